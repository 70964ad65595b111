"""``jobyard job create|list|get|logs|suspend|resume|rerun|delete``: Jobs through the console's API."""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from jobyard.cli import messages
from jobyard.cli.client import ApiClient, ApiRefusal, ServerUrl, connected
from jobyard.cli.clusters import Cluster
from jobyard.cli.jobform import FIELD_OPTIONS, JobOptions, job_form
from jobyard.cli.output import Output, OutputFormat, show, table
from jobyard.cli.pairs import pairs

__all__ = ["Cascade", "job_app"]

job_app = typer.Typer(help=messages.JOB_APP_HELP, no_args_is_help=True)

Namespace = Annotated[str, typer.Option("--namespace", "-n", help=messages.NAMESPACE_HELP)]
JobName = Annotated[str, typer.Argument(help=messages.JOB_NAME_HELP, show_default=False)]
FINISHED = ("Completed", "Failed")


class Cascade(enum.StrEnum):
    BACKGROUND = "Background"
    FOREGROUND = "Foreground"
    ORPHAN = "Orphan"


def _jobs_path(cluster: str, namespace: str) -> str:
    return f"/clusters/{cluster}/namespaces/{namespace}/jobs"


def _form_file(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise typer.BadParameter(str(error), param_hint="-f") from None
    if document is not None and not isinstance(document, dict):
        raise typer.BadParameter(messages.FORM_FILE_NOT_A_MAPPING, param_hint="-f")
    return document or {}


@job_app.command("create", help=messages.JOB_CREATE_HELP)
def create(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    image: Annotated[str | None, typer.Option("--image", help=messages.IMAGE_OPTION_HELP)] = None,
    instances: Annotated[int | None, typer.Option("--instances", help=messages.INSTANCES_HELP)] = None,
    parallelism: Annotated[int | None, typer.Option("--parallelism", help=messages.PARALLELISM_HELP)] = None,
    timeout: Annotated[int | None, typer.Option("--timeout", help=messages.TIMEOUT_HELP)] = None,
    indexed: Annotated[bool, typer.Option("--indexed", help=messages.INDEXED_HELP)] = False,
    command: Annotated[str | None, typer.Option("--command", help=messages.COMMAND_HELP)] = None,
    env: Annotated[list[str] | None, typer.Option("--env", "-e", help=messages.ENV_HELP)] = None,
    label: Annotated[list[str] | None, typer.Option("--label", "-l", help=messages.JOB_LABEL_HELP)] = None,
    annotation: Annotated[list[str] | None, typer.Option("--annotation", help=messages.ANNOTATION_HELP)] = None,
    cpu_request: Annotated[str | None, typer.Option("--cpu-request", help=messages.CPU_REQUEST_HELP)] = None,
    cpu_limit: Annotated[str | None, typer.Option("--cpu-limit", help=messages.CPU_LIMIT_HELP)] = None,
    memory_request: Annotated[str | None, typer.Option("--memory-request", help=messages.MEMORY_REQUEST_HELP)] = None,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", help=messages.MEMORY_LIMIT_HELP)] = None,
    service_port: Annotated[list[str] | None, typer.Option("--service-port", help=messages.SERVICE_PORT_HELP)] = None,
    form_file: Annotated[
        Path | None, typer.Option("--filename", "-f", exists=True, dir_okay=False, help=messages.FORM_FILE_HELP)
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=messages.DRY_RUN_HELP)] = False,
    wait: Annotated[bool, typer.Option("--wait", help=messages.WAIT_HELP)] = False,
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    resources = {
        key: value
        for key, value in (
            ("cpuRequest", cpu_request),
            ("cpuLimit", cpu_limit),
            ("memoryRequest", memory_request),
            ("memoryLimit", memory_limit),
        )
        if value is not None
    }
    options = JobOptions(
        image=image,
        instances=instances,
        parallelism=parallelism,
        timeout=timeout,
        indexed=indexed,
        command=command,
        env=pairs(env, "--env"),
        labels=pairs(label, "--label"),
        annotations=pairs(annotation, "--annotation"),
        resources=resources,
        service_ports=service_port or [],
    )
    body = job_form(name, options, _form_file(form_file) if form_file else None)
    finished = None
    with connected(url, field_names=FIELD_OPTIONS) as client:
        created = client.post(_jobs_path(cluster, namespace), body, dryRun=dry_run or None)
        show(
            created,
            output,
            lambda answer: messages.job_created(name, [m["kind"] for m in answer["manifests"]], dry_run),
        )
        if wait and not dry_run:
            finished = _follow(client, cluster, namespace, name)
    if finished not in (None, "Completed"):
        raise typer.Exit(1)


def _follow(client: ApiClient, cluster: str, namespace: str, name: str) -> str:
    """The Job's progress as a bar of succeeded pods until it finishes; its final status code."""
    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
    )
    path = f"{_jobs_path(cluster, namespace)}/{name}"
    with Progress(*columns, console=err) as progress:
        task = progress.add_task(name, total=None, status="")
        for event, data in client.events(path, watch=True):
            if event == "error":
                raise ApiRefusal(0, "watchFailed", data)
            if event != "job":
                continue
            summary = json.loads(data)["summary"]
            completions, status = summary["completions"], summary["status"]
            progress.update(
                task, completed=completions["succeeded"], total=completions["wanted"], status=status["label"]
            )
            if status["code"] in FINISHED:
                break
        else:
            raise ApiRefusal(0, "watchEnded", messages.WATCH_ENDED)
    err.print(messages.job_finished(name, status["code"] == "Completed", status["label"]), soft_wrap=True)
    return str(status["code"])


def _duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes}m" if hours else (f"{minutes}m{rest}s" if minutes else f"{rest}s")


def _job_rows(listing: dict[str, Any]) -> object:
    return table(
        messages.JOB_COLUMNS,
        [
            (
                job["cluster"],
                job["namespace"],
                job["name"],
                job["status"]["label"],
                job["completions"]["text"],
                _duration(job["durationSeconds"]),
            )
            for job in listing["items"]
        ],
    )


@job_app.command("list", help=messages.JOB_LIST_HELP)
def list_jobs(
    cluster: Annotated[str | None, typer.Option("--cluster", "-c", help=messages.JOB_LIST_CLUSTER_HELP)] = None,
    namespace: Annotated[str | None, typer.Option("--namespace", "-n", help=messages.JOB_LIST_NAMESPACE_HELP)] = None,
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    if namespace is not None and cluster is None:
        raise typer.BadParameter(messages.NAMESPACE_NEEDS_CLUSTER, param_hint="--namespace")
    path = "/jobs" if cluster is None else f"/clusters/{cluster}/jobs"
    if cluster is not None and namespace is not None:
        path = _jobs_path(cluster, namespace)
    with connected(url) as client:
        listing = client.get(path)
    show(listing, output, _job_rows)
    if output is OutputFormat.TABLE:
        err = Console(stderr=True)
        for problem in listing.get("unreachable", []):
            err.print(messages.jobs_unreachable(problem["cluster"], problem["namespace"], problem["message"]))


def _detail_view(detail: dict[str, Any]) -> object:
    summary = detail["summary"]
    values = (
        summary["name"],
        f"{summary['cluster']}/{summary['namespace']}",
        summary["status"]["label"],
        summary["completions"]["text"],
        summary["started"],
        summary["finished"],
    )
    facts = table(("", ""), list(zip(messages.JOB_FACTS, values, strict=True)))
    facts.show_header = False
    pods = table(
        messages.POD_COLUMNS,
        [(pod["name"], pod["phase"], pod["index"], pod["restarts"], pod["exitCode"]) for pod in detail["pods"]],
    )
    return Group(facts, "", pods) if detail["pods"] else facts


@job_app.command("get", help=messages.JOB_GET_HELP)
def get(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    with connected(url) as client:
        detail = client.get(f"{_jobs_path(cluster, namespace)}/{name}")
    show(detail, output, _detail_view)


def _newest_pod(pods: list[dict[str, Any]]) -> str | None:
    """The pod started last: a Job's retries and reruns replace their pods."""
    ordered = sorted(pods, key=lambda pod: (pod["started"] or "", pod["name"]))
    return ordered[-1]["name"] if ordered else None


@job_app.command("logs", help=messages.JOB_LOGS_HELP)
def logs(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    pod: Annotated[str | None, typer.Option("--pod", help=messages.POD_HELP)] = None,
    container: Annotated[str | None, typer.Option("--container", help=messages.CONTAINER_HELP)] = None,
    tail: Annotated[int | None, typer.Option("--tail", min=0, help=messages.TAIL_HELP)] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help=messages.FOLLOW_HELP)] = False,
    url: ServerUrl = None,
) -> None:
    path = f"{_jobs_path(cluster, namespace)}/{name}"
    with connected(url) as client:
        if pod is None and not follow:
            # The merged log still finds the pods a delete with cascade Orphan left, once the Job is gone.
            with client.stream(f"{path}/logs", "text/plain", container=container, tailLines=tail) as response:
                printed = _write_out(response.iter_text())
            if not printed and not client.get(f"{path}/log-pods"):
                raise ApiRefusal(404, "noPods", messages.no_pods(name))
            return
        # The Job's pods, or once it is gone, those a delete with cascade Orphan left behind.
        pod = pod or _newest_pod(client.get(f"{path}/log-pods"))
        if pod is None:
            raise ApiRefusal(404, "noPods", messages.no_pods(name))
        with client.stream(
            f"{path}/pods/{pod}/logs", "text/plain", container=container, tailLines=tail, follow=follow
        ) as response:
            _write_out(response.iter_text())


def _write_out(chunks: Iterator[str]) -> bool:
    """Prints each chunk as it arrives; whether there was any text."""
    printed = False
    for chunk in chunks:
        sys.stdout.write(chunk)
        sys.stdout.flush()
        printed = printed or bool(chunk)
    return printed


def _action(verb: str, name: str, cluster: str, namespace: str, output: OutputFormat, url: str | None) -> None:
    with connected(url) as client:
        job = client.post(f"{_jobs_path(cluster, namespace)}/{name}/{verb}")
    show(job, output, lambda _: messages.job_action_done(verb, name))


@job_app.command("suspend", help=messages.JOB_SUSPEND_HELP)
def suspend(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    _action("suspend", name, cluster, namespace, output, url)


@job_app.command("resume", help=messages.JOB_RESUME_HELP)
def resume(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    _action("resume", name, cluster, namespace, output, url)


@job_app.command("rerun", help=messages.JOB_RERUN_HELP)
def rerun(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    _action("rerun", name, cluster, namespace, output, url)


@job_app.command("delete", help=messages.JOB_DELETE_HELP)
def delete(
    name: JobName,
    cluster: Cluster,
    namespace: Namespace = "default",
    cascade: Annotated[Cascade, typer.Option("--cascade", help=messages.CASCADE_HELP)] = Cascade.BACKGROUND,
    url: ServerUrl = None,
) -> None:
    with connected(url) as client:
        client.delete(f"{_jobs_path(cluster, namespace)}/{name}", cascade=cascade.value)
    Console().print(messages.job_deleted(name, cascade.value), soft_wrap=True)
