"""``jobyard up``: run the embedded cluster in the foreground."""

from __future__ import annotations

import enum
import ipaddress
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from jobyard.cli import messages
from jobyard.cli.options import DataDir
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.datadir import DataDirInUse

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
) -> None:
    if console and console_port == api_port:
        raise typer.BadParameter(messages.SAME_PORTS, param_hint="--console-port")
    # Imported here so that `jobyard --help` does not pay for the server's imports.
    from jobyard.cluster import server

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

    def on_ready() -> None:
        kubeconfig = config.kubeconfig_path
        reserved = console_port if console else None
        # Paths and commands are meant to be copied: never wrap them.
        out.print(messages.ready(kubeconfig, _server_url(kubeconfig), reserved), soft_wrap=True)

    try:
        server.run(config, on_ready=on_ready)
    except DataDirInUse as exc:
        err.print(messages.data_dir_in_use(exc.data_dir, exc.pid))
        raise typer.Exit(1) from None
    except OSError as exc:
        # Environmental failures (port taken, unwritable data dir) deserve a
        # sentence, not a traceback.
        err.print(messages.cannot_start(str(exc)))
        raise typer.Exit(1) from None


def _server_url(kubeconfig: Path) -> str | None:
    """The API address exactly as kubectl will dial it, read back from the kubeconfig."""
    try:
        document: Any = yaml.safe_load(kubeconfig.read_text())
        return str(document["clusters"][0]["cluster"]["server"])
    except (OSError, yaml.YAMLError, LookupError, TypeError):
        return None
