"""``jobyard up``: run the embedded cluster, and the console beside it in the same event loop, in the foreground."""

from __future__ import annotations

import asyncio
import enum
import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.console import Console

from jobyard.cli import messages
from jobyard.cli.console import DatabaseUrl
from jobyard.cli.options import DataDir
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.datadir import DataDirInUse

if TYPE_CHECKING:
    from jobyard.cluster.server import Cluster
    from jobyard.console.server import ConsoleSettings, RunningConsole

__all__ = ["ContainerRuntime", "up"]


class ContainerRuntime(enum.StrEnum):
    SANDBOX = "sandbox"
    PROCESS = "process"


def up(
    data_dir: DataDir,
    api_port: Annotated[int, typer.Option("--api-port", min=1, max=65535, help=messages.API_PORT_HELP)] = 6443,
    console_port: Annotated[
        int, typer.Option("--console-port", min=1, max=65535, help=messages.CONSOLE_PORT_HELP)
    ] = 8080,
    console: Annotated[bool, typer.Option("--console/--no-console", help=messages.CONSOLE_HELP)] = True,
    host: Annotated[str, typer.Option("--host", help=messages.HOST_HELP)] = "127.0.0.1",
    node: Annotated[bool, typer.Option("--node/--no-node", help=messages.NODE_HELP)] = True,
    node_name: Annotated[str, typer.Option("--node-name", help=messages.NODE_NAME_HELP)] = "",
    container_runtime: Annotated[ContainerRuntime, typer.Option("--container-runtime", help=messages.RUNTIME_HELP)] = (
        ContainerRuntime.SANDBOX
    ),
    insecure_registry: Annotated[
        list[str] | None, typer.Option("--insecure-registry", help=messages.INSECURE_REGISTRY_HELP)
    ] = None,
    pod_cidr: Annotated[str, typer.Option("--pod-cidr", help=messages.POD_CIDR_HELP)] = "",
    job_pod_batch_seconds: Annotated[
        float, typer.Option("--job-pod-batch-seconds", min=0.0, max=60.0, help=messages.JOB_POD_BATCH_HELP)
    ] = 1.0,
    database_url: DatabaseUrl = None,
) -> None:
    if console and console_port == api_port:
        raise typer.BadParameter(messages.SAME_PORTS, param_hint="--console-port")
    if pod_cidr:
        try:
            ipaddress.ip_network(pod_cidr)
        except ValueError:
            raise typer.BadParameter(messages.BAD_POD_CIDR, param_hint="--pod-cidr") from None
    config = ClusterConfig(
        data_dir=data_dir,
        host=host,
        api_port=api_port,
        job_pod_batch_seconds=job_pod_batch_seconds,
        node=node,
        node_name=node_name,
        container_runtime=container_runtime.value,
        insecure_registries=tuple(insecure_registry or ()),
        pod_cidr=pod_cidr,
    )
    out, err = Console(), Console(stderr=True)
    console_settings = None
    if console:
        from jobyard.console.server import ConsoleSettings

        console_settings = ConsoleSettings(
            data_dir=data_dir,
            port=console_port,
            database_url=database_url,
            local_kubeconfig=config.kubeconfig_path,
            # The cluster's server handles SIGTERM and Ctrl-C for the whole process.
            handle_signals=False,
        )
    try:
        asyncio.run(_serve(config, console_settings, out))
    except DataDirInUse as exc:
        err.print(messages.data_dir_in_use(exc.data_dir, exc.pid))
        raise typer.Exit(1) from None
    except OSError as exc:
        # Environmental failures (port taken, unwritable data dir) deserve a
        # sentence, not a traceback.
        err.print(messages.cannot_start(str(exc)))
        raise typer.Exit(1) from None


async def _serve(config: ClusterConfig, console_settings: ConsoleSettings | None, out: Console) -> None:
    """The cluster until it stops, and the console from when the cluster answers until then.

    A console that fails stops the cluster too, and its error is raised: `jobyard up` promised both.
    """
    # Imported here so that `jobyard --help` does not pay for the servers' imports.
    from jobyard.cluster import server

    consoles: list[RunningConsole] = []
    console_tasks: list[asyncio.Task[None]] = []

    def console_ready(running: RunningConsole) -> None:
        consoles.append(running)
        out.print(
            messages.console_ready(running.url, running.admin_password, running.admin_password_file), soft_wrap=True
        )

    def cluster_ready(cluster: Cluster) -> None:
        kubeconfig = config.kubeconfig_path
        # Paths and commands are meant to be copied: never wrap them.
        out.print(messages.ready(kubeconfig, _server_url(kubeconfig)), soft_wrap=True)
        if console_settings is None:
            return
        from jobyard.console.server import serve_console

        task = asyncio.create_task(serve_console(console_settings, on_ready=console_ready))
        task.add_done_callback(lambda _: cluster.stop())
        console_tasks.append(task)

    def cluster_stopping() -> None:
        # The console's watches on the cluster are TLS connections that only their client closes
        # cleanly: stopped first, it closes them, and the cluster need not wait them out.
        for running in consoles:
            running.stop()

    try:
        await server.serve(config, on_ready=cluster_ready, on_stopping=cluster_stopping)
    finally:
        for running in consoles:
            running.stop()
        for task in console_tasks:
            await task


def _server_url(kubeconfig: Path) -> str | None:
    """The API address exactly as kubectl will dial it, read back from the kubeconfig."""
    try:
        document: Any = yaml.safe_load(kubeconfig.read_text())
        return str(document["clusters"][0]["cluster"]["server"])
    except (OSError, yaml.YAMLError, LookupError, TypeError):
        return None
