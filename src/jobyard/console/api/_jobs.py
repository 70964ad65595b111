"""Jobs: create (from the wizard's form or from YAML), list, detail, logs, and the actions on them.

The job service does the work; the routes check the caller's role first (a refusal is audited),
audit what changed on the cluster, and put the cluster's verdict on the form's fields.
``?watch=true`` on the list and the detail, and ``?follow=true`` on logs, stream live updates
(``_live``).
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from jobyard.console.auth import Action
from jobyard.console.clusters import KubeError
from jobyard.console.forms import (
    FieldError,
    FormWithRest,
    map_status_causes,
    needs_cluster_admin,
    to_manifests,
    validate,
)
from jobyard.console.jobs import JOBS, Cascade, Conflict, Invalid, KubeApiError, Manifest, NotFound
from jobyard.console.resources import NamespaceInfo

from . import _live
from ._context import Caller, CallerDep
from ._errors import ApiError, kube_field_errors
from ._kube_api import translated_errors
from ._privilege import reaches_into_the_node
from ._schemas import (
    JobDetailOut,
    JobListOut,
    JobSummaryOut,
    JobYamlIn,
    ManifestsOut,
    PodOut,
    RunOut,
    Unreachable,
    detail_out,
    run_out,
    summary_out,
)

__all__ = ["router"]

router = APIRouter(tags=["jobs"])
_JOBS = "/clusters/{cluster}/namespaces/{namespace}/jobs"
_JOB = _JOBS + "/{name}"

_LOOKUP_NAME = re.compile(r"[a-z0-9][-a-z0-9.]{0,252}")

DryRun = Annotated[bool, Query(alias="dryRun", description="Have the cluster check everything; store nothing.")]
Watch = Annotated[bool, Query(description="Stream the list (or the Job) as Server-Sent Events on every change.")]


# Lists


@router.get("/jobs", summary="Jobs of every cluster and namespace the caller may see")
async def all_jobs(caller: CallerDep) -> JobListOut:
    clusters = [info.name for info in caller.services.clusters.list_clusters(caller.user)]
    listings = await asyncio.gather(*(_cluster_jobs(caller, cluster) for cluster in clusters))
    return JobListOut(
        items=[item for listing in listings for item in listing.items],
        unreachable=[problem for listing in listings for problem in listing.unreachable],
    )


@router.get("/clusters/{cluster}/jobs", summary="Jobs of every namespace of one cluster the caller may see")
async def cluster_jobs(cluster: str, caller: CallerDep) -> JobListOut:
    return await _cluster_jobs(caller, cluster)


@router.get(_JOBS, summary="Jobs of one namespace", response_model=JobListOut)
async def namespace_jobs(
    cluster: str, namespace: str, caller: CallerDep, watch: Watch = False
) -> Response | JobListOut:
    caller.require(Action.JOB_LIST, cluster, namespace)

    async def listing(current: Caller) -> JobListOut:
        return JobListOut(items=await job_summaries(current, cluster, namespace))

    if watch:
        return _live.stream(caller, cluster, namespace, _live.job_list_watches(), "jobs", listing)
    return await listing(caller)


async def job_summaries(caller: Caller, cluster: str, namespace: str) -> list[JobSummaryOut]:
    summaries = await caller.services.jobs(cluster, caller.db).jobs(namespace)
    return [summary_out(cluster, summary, caller.lang) for summary in summaries]


async def _cluster_jobs(caller: Caller, cluster: str) -> JobListOut:
    if caller.principal.is_admin:
        # The admin sees every namespace, so they need not be listed first; the Jobs come from the
        # cluster's cache, which says when the cluster is away.
        return await _every_namespace(caller, cluster, None)
    try:
        namespaces: list[NamespaceInfo] = await caller.services.resources.list_namespaces(caller.user, cluster)
    except (KubeError, KubeApiError) as error:
        return JobListOut(items=[], unreachable=[_unreachable(caller, cluster, None, error)])
    visible = [ns.name for ns in namespaces if caller.may(Action.JOB_LIST, cluster, ns.name)]
    if len(visible) > 1 and len(visible) == len(namespaces):
        # Who sees every namespace gets one list of the cluster's Jobs and one of its pods, not two per namespace.
        return await _every_namespace(caller, cluster, set(visible))
    results = await asyncio.gather(
        *(job_summaries(caller, cluster, namespace) for namespace in visible), return_exceptions=True
    )
    listing = JobListOut(items=[])
    for namespace, result in zip(visible, results, strict=True):
        if isinstance(result, KubeApiError):
            listing.unreachable.append(_unreachable(caller, cluster, namespace, result))
        elif isinstance(result, BaseException):
            raise result
        else:
            listing.items.extend(result)
    return listing


async def _every_namespace(caller: Caller, cluster: str, visible: set[str] | None) -> JobListOut:
    """The Jobs of every namespace, of those in ``visible`` when given."""
    try:
        summaries = await caller.services.jobs(cluster, caller.db).jobs(None)
    except (KubeError, KubeApiError) as error:
        return JobListOut(items=[], unreachable=[_unreachable(caller, cluster, None, error)])
    # A namespace made since the namespaces were listed is left for the next list, as the per-namespace path would.
    return JobListOut(
        items=[
            summary_out(cluster, summary, caller.lang)
            for summary in summaries
            if visible is None or summary.namespace in visible
        ]
    )


def _unreachable(caller: Caller, cluster: str, namespace: str | None, error: Exception) -> Unreachable:
    code = "clusterUnreachable" if getattr(error, "code", 0) in (0, 503) else "clusterError"
    return Unreachable(cluster=cluster, namespace=namespace, code=code, message=str(error))


# Create


@router.post(_JOBS, summary="Create a Job from the wizard's form", status_code=201)
async def create_from_form(
    cluster: str, namespace: str, body: FormWithRest, caller: CallerDep, response: Response, dry_run: DryRun = False
) -> ManifestsOut:
    """The body is the form, and for a cloned Job the manifests it came from (``rest``), so nothing the
    form cannot show is lost. Field errors come back as 422 on the form's paths, the cluster's too."""
    caller.require(Action.JOB_CREATE, cluster, namespace, target=body.form.name)
    form = body.form.model_copy(update={"cluster": cluster, "namespace": namespace})
    errors = validate(form, caller.lang, await _taken(caller, cluster, namespace, form.name))
    if errors:
        raise ApiError(422, "invalid", fields=errors)
    manifests = to_manifests(form, body.rest or None)
    if needs_cluster_admin(form) or any(reaches_into_the_node(manifest) for manifest in manifests):
        caller.require(Action.JOB_CREATE_PRIVILEGED, cluster, namespace, target=form.name)
    try:
        created = await caller.services.jobs(cluster, caller.db).create(manifests, dry_run=dry_run)
    except (Invalid, Conflict) as error:
        if not _refused_input(error):
            raise
        raise ApiError(error.code, "invalid", fields=map_status_causes(error.status, form, caller.lang)) from None
    return _created(caller, cluster, namespace, form.name, created, dry_run, response)


async def _taken(caller: Caller, cluster: str, namespace: str, name: str) -> set[str]:
    """``{name}`` when a Job of that name is in the namespace, as the cluster's cache holds it (else one GET).

    The cache holds the console's own creates at once; a Job someone made elsewhere a moment ago
    may not be in it yet, and then the cluster refuses the create (409 AlreadyExists on the name).
    """
    if not _LOOKUP_NAME.fullmatch(name):
        return set()  # not a name the cluster could hold; validate says what is wrong with it
    cache = caller.services.clusters.cache_for(cluster)
    with translated_errors():
        if await cache.ready():
            return {name} if cache.jobs.get(namespace, name) is not None else set()
    try:
        await caller.services.kube(cluster).get(JOBS, namespace, name)
    except NotFound:
        return set()
    return {name}


@router.post(_JOBS + "/yaml", summary="Create a Job (and its Service) from YAML", status_code=201)
async def create_from_yaml(
    cluster: str, namespace: str, body: JobYamlIn, caller: CallerDep, response: Response, dry_run: DryRun = False
) -> ManifestsOut:
    manifests = _yaml_manifests(body.yaml, namespace)
    name = str(manifests[0].get("metadata", {}).get("name", ""))
    caller.require(Action.JOB_CREATE, cluster, namespace, target=name)
    if any(reaches_into_the_node(manifest) for manifest in manifests):
        caller.require(Action.JOB_CREATE_PRIVILEGED, cluster, namespace, target=name)
    try:
        created = await caller.services.jobs(cluster, caller.db).create(manifests, dry_run=dry_run)
    except (Invalid, Conflict) as error:
        if not _refused_input(error):
            raise
        raise ApiError(error.code, "invalid", fields=kube_field_errors(error) or _whole(error)) from None
    return _created(caller, cluster, namespace, name, created, dry_run, response)


def _refused_input(error: KubeApiError) -> bool:
    """422 Invalid, or 409 AlreadyExists: the name is taken. Other conflicts are not about the input."""
    return isinstance(error, Invalid) or error.reason == "AlreadyExists"


def _whole(error: KubeApiError) -> list[FieldError]:
    return [FieldError(path="", code=error.reason or "rejected", message=error.message)]


def _created(
    caller: Caller,
    cluster: str,
    namespace: str,
    name: str,
    manifests: list[Manifest],
    dry_run: bool,
    response: Response,
) -> ManifestsOut:
    if dry_run:
        response.status_code = 200
    else:
        kinds = ", ".join(str(manifest.get("kind")) for manifest in manifests)
        # Commits the Job's first run too (``JobService.create``): one transaction for both.
        caller.audit("job.create", cluster=cluster, namespace=namespace, target=name, detail=kinds)
    return ManifestsOut(dry_run=dry_run, manifests=manifests)


def _yaml_manifests(text: str, namespace: str) -> list[Manifest]:
    """One Job, then at most one Service, all in ``namespace`` (filled in where the YAML names none)."""
    try:
        documents = [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        raise ApiError(422, "yamlInvalid", detail=str(error)) from None
    kinds = [
        (document.get("apiVersion"), document.get("kind")) if isinstance(document, dict) else None
        for document in documents
    ]
    if kinds.count(("batch/v1", "Job")) != 1 or kinds.count(("v1", "Service")) + 1 != len(kinds):
        raise ApiError(422, "yamlKinds")
    placed = []
    for document in documents:
        metadata = dict(document.get("metadata") or {})
        given = metadata.setdefault("namespace", namespace)
        if given != namespace:
            raise ApiError(422, "namespaceMismatch", given=given, namespace=namespace)
        placed.append({**document, "metadata": metadata})
    return sorted(placed, key=lambda manifest: manifest["kind"] != "Job")


# One Job


@router.get(_JOB, summary="A Job with its pods, conditions, events, Service and runs", response_model=JobDetailOut)
async def detail(
    cluster: str, namespace: str, name: str, caller: CallerDep, watch: Watch = False
) -> Response | JobDetailOut:
    caller.require(Action.JOB_GET, cluster, namespace, target=name)

    async def read(current: Caller) -> JobDetailOut:
        found = await current.services.jobs(cluster, current.db).detail(namespace, name)
        return detail_out(cluster, found, current.lang)

    if watch:
        return _live.stream(caller, cluster, namespace, _live.job_detail_watches(name), "job", read)
    return await read(caller)


@router.get(_JOB + "/history", summary="The Job's runs, oldest first (a rerun adds one)")
async def history(cluster: str, namespace: str, name: str, caller: CallerDep) -> list[RunOut]:
    caller.require(Action.JOB_GET, cluster, namespace, target=name)
    runs = await caller.services.jobs(cluster, caller.db).history(namespace, name)
    return [run_out(run, caller.lang) for run in runs]


@router.get(_JOB + "/clone", summary="The wizard filled from the Job, under a free name")
async def clone(cluster: str, namespace: str, name: str, caller: CallerDep) -> FormWithRest:
    caller.require(Action.JOB_GET, cluster, namespace, target=name)
    return await caller.services.jobs(cluster, caller.db).clone(namespace, name)


@router.patch(_JOB, summary="Change what a live Job allows: parallelism, timeout, TTL, suspend, labels")
async def edit(cluster: str, namespace: str, name: str, changes: dict[str, Any], caller: CallerDep) -> Manifest:
    caller.require(Action.JOB_EDIT, cluster, namespace, target=name)
    edited = await caller.services.jobs(cluster, caller.db).edit(namespace, name, changes, caller.lang)
    caller.audit("job.edit", cluster=cluster, namespace=namespace, target=name, detail=", ".join(sorted(changes)))
    return edited


@router.post(_JOB + "/suspend", summary="Suspend a Job: its running pods are stopped")
async def suspend(cluster: str, namespace: str, name: str, caller: CallerDep) -> Manifest:
    caller.require(Action.JOB_SUSPEND, cluster, namespace, target=name)
    suspended = await caller.services.jobs(cluster, caller.db).suspend(namespace, name)
    caller.audit("job.suspend", cluster=cluster, namespace=namespace, target=name)
    return suspended


@router.post(_JOB + "/resume", summary="Resume a suspended Job")
async def resume(cluster: str, namespace: str, name: str, caller: CallerDep) -> Manifest:
    caller.require(Action.JOB_RESUME, cluster, namespace, target=name)
    resumed = await caller.services.jobs(cluster, caller.db).resume(namespace, name)
    caller.audit("job.resume", cluster=cluster, namespace=namespace, target=name)
    return resumed


@router.post(_JOB + "/rerun", summary="Run a finished Job again under its name (DCE's restart)")
async def rerun(cluster: str, namespace: str, name: str, caller: CallerDep) -> Manifest:
    caller.require(Action.JOB_RERUN, cluster, namespace, target=name)
    created = await caller.services.jobs(cluster, caller.db).rerun(namespace, name)
    caller.audit("job.rerun", cluster=cluster, namespace=namespace, target=name)
    return created


@router.delete(_JOB, summary="Delete a Job; cascade decides what becomes of its pods", status_code=204)
async def delete(
    cluster: str, namespace: str, name: str, caller: CallerDep, cascade: Cascade = Cascade.BACKGROUND
) -> None:
    caller.require(Action.JOB_DELETE, cluster, namespace, target=name)
    await caller.services.jobs(cluster, caller.db).delete(namespace, name, cascade)
    caller.audit("job.delete", cluster=cluster, namespace=namespace, target=name, detail=cascade.value)


@router.get(
    _JOB + "/log-pods",
    summary="The pods whose logs are the Job's: its own, or after a delete with cascade Orphan, the pods it left",
)
async def log_pods(cluster: str, namespace: str, name: str, caller: CallerDep) -> list[PodOut]:
    caller.require(Action.JOB_LOGS, cluster, namespace, target=name)
    pods = await caller.services.jobs(cluster, caller.db).log_pods(namespace, name)
    return [PodOut.model_validate(pod) for pod in pods]


@router.get(
    _JOB + "/logs",
    summary="One container's log of every pod of the Job, each line prefixed with [pod]; after a delete with "
    "cascade Orphan, of the pods it left behind",
    response_class=PlainTextResponse,
)
async def merged_logs(
    cluster: str,
    namespace: str,
    name: str,
    caller: CallerDep,
    container: str | None = None,
    tail_lines: Annotated[
        int | None, Query(alias="tailLines", ge=0, description="The last N lines of each pod")
    ] = None,
) -> PlainTextResponse:
    caller.require(Action.JOB_LOGS, cluster, namespace, target=name)
    text = await caller.services.jobs(cluster, caller.db).merged_logs(
        namespace, name, container=container, tail_lines=tail_lines
    )
    return PlainTextResponse(text)


@router.get(
    _JOB + "/pods/{pod}/logs",
    summary="A container's log; follow=true streams it (as SSE when the client accepts text/event-stream)",
    response_class=PlainTextResponse,
)
async def logs(
    cluster: str,
    namespace: str,
    name: str,
    pod: str,
    caller: CallerDep,
    request: Request,
    container: str | None = None,
    tail_lines: Annotated[int | None, Query(alias="tailLines", ge=0)] = None,
    follow: bool = False,
) -> Response:
    caller.require(Action.JOB_LOGS, cluster, namespace, target=name)
    if follow:
        return await _live.log_stream(caller, cluster, namespace, name, pod, container, tail_lines, request)
    text = await caller.services.jobs(cluster, caller.db).logs(
        namespace, name, pod, container=container, tail_lines=tail_lines
    )
    return PlainTextResponse(text)
