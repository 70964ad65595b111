"""Workloads → Jobs: the list of a namespace and one Job, both live over SSE, and a Job's merged logs.

The list and the detail render the API's own reads (``read_jobs``, ``read_job``), and their live
versions stream the same reads through the API's ``live_stream``, each snapshot rendered as the
page's named block, so a live update is the page itself, re-rendered. Search, status filter, sort
and paging only choose which rows of the twin's answer to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import PlainTextResponse, Response

from jobyard.console.api import (
    JobDetailOut,
    JobListOut,
    JobSummaryOut,
    ServiceOut,
    job_detail_watches,
    job_list_watches,
    live_stream,
    read_job,
    read_jobs,
)
from jobyard.console.auth import Action
from jobyard.console.jobs import GENERATED_LABELS, StatusCode, status_label
from jobyard.console.resources import ServiceInfo

from ._clusters import cluster_context
from ._context import WebCaller, pages

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter()
_JOBS = "/clusters/{cluster}/namespaces/{namespace}/jobs"
_JOB = _JOBS + "/{name}"
PAGE_SIZE = 100
_FINISHED = (StatusCode.COMPLETED.value, StatusCode.FAILED.value)
# Labels the API server sets, which the edit dialog neither shows nor sends (an edit keeps them).
_GENERATED = sorted(GENERATED_LABELS)
_SORTS = ("-created", "created", "name", "-name", "status", "-duration")


@dataclass(frozen=True)
class ListView:
    """What the list shows of the twin's rows: search text, status, sort key, page."""

    q: str = ""
    status: str = ""
    sort: str = "-created"
    page: int = 1

    @classmethod
    def of(cls, request: Request) -> ListView:
        params = request.query_params
        status = params.get("status", "")
        sort = params.get("sort", "-created")
        page = params.get("page", "1")
        return cls(
            q=params.get("q", "").strip()[:200],
            status=status if status in {code.value for code in StatusCode} else "",
            sort=sort if sort in _SORTS else "-created",
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def query(self, **changes: Any) -> str:
        values = {"q": self.q, "status": self.status, "sort": self.sort, "page": self.page, **changes}
        return urlencode({key: value for key, value in values.items() if value not in ("", None, 1, "-created")})

    def rows(self, items: list[JobSummaryOut]) -> tuple[list[JobSummaryOut], int, int]:
        """The rows of this page, how many match, and how many pages there are."""
        needle = self.q.lower()
        matching = [
            item
            for item in items
            if (not self.status or item.status.code == self.status)
            and (
                not needle
                or needle in item.name.lower()
                or any(needle in f"{key}={value}".lower() for key, value in item.labels.items())
            )
        ]
        key = self.sort.lstrip("-")
        reverse = self.sort.startswith("-")
        if key == "created":
            matching.sort(key=lambda item: (item.created is None, item.created), reverse=reverse)
        elif key == "duration":
            matching.sort(key=lambda item: item.duration_seconds or 0.0, reverse=reverse)
        elif key == "status":
            matching.sort(key=lambda item: (item.status.label, item.name), reverse=reverse)
        else:
            matching.sort(key=lambda item: item.name, reverse=reverse)
        pages_count = max(1, -(-len(matching) // PAGE_SIZE))
        page = min(self.page, pages_count)
        return matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(matching), pages_count


def _actions(job: JobSummaryOut, may: frozenset[Action]) -> list[str]:
    """The actions a row or a Job's header offers: those the caller may take on a Job in this state."""
    code = job.status.code
    offered = []
    if Action.JOB_RERUN in may and code in _FINISHED:
        offered.append("rerun")
    if Action.JOB_SUSPEND in may and code not in (*_FINISHED, StatusCode.SUSPENDED.value, StatusCode.DELETING.value):
        offered.append("suspend")
    if Action.JOB_RESUME in may and code == StatusCode.SUSPENDED.value:
        offered.append("resume")
    if Action.JOB_CREATE in may:
        offered.append("clone")
    if Action.JOB_EDIT in may and code != StatusCode.DELETING.value:
        offered.append("edit")
    if Action.JOB_DELETE in may and code != StatusCode.DELETING.value:
        offered.append("delete")
    return offered


async def _list_context(request: Request, caller: WebCaller, cluster: str, namespace: str) -> dict[str, Any]:
    context = await cluster_context(request, caller, cluster, namespace)
    view = ListView.of(request)
    statuses = [(code.value, status_label(code, caller.lang)) for code in StatusCode]
    context.update(
        view=view,
        statuses=statuses,
        sorts=_SORTS,
        actions=_actions,
        base=_base(cluster, namespace),
        generated=_GENERATED,
    )
    return context


def _with_rows(context: dict[str, Any], listing: JobListOut) -> dict[str, Any]:
    rows, total, pages_count = context["view"].rows(listing.items)
    return {**context, "rows": rows, "total": total, "pages_count": pages_count, "listed": len(listing.items)}


@router.get(_JOBS)
async def jobs_page(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    listing = await read_jobs(cluster, namespace, caller)
    assert isinstance(listing, JobListOut)
    context = _with_rows(await _list_context(request, caller, cluster, namespace), listing)
    # htmx asks for the panel alone when the search, filter, sort or page changes.
    block = "panel" if request.headers.get("hx-target") == "jobs-panel" else None
    alternate = f"/api/clusters/{cluster}/namespaces/{namespace}/jobs"
    return pages(request).response(caller.lang, "jobs.html", context, block=block, alternate=alternate)


@router.get(_JOBS + "/live")
async def jobs_live(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    """The list's rows block, once at once and again after every burst of changes."""
    caller.require(Action.JOB_LIST, cluster, namespace)
    context = await _list_context(request, caller, cluster, namespace)
    renderer = pages(request)

    async def snapshot(current: Any) -> BaseModel:
        listing = await read_jobs(cluster, namespace, current)
        assert isinstance(listing, JobListOut)
        return listing

    def encode(listing: BaseModel) -> str:
        assert isinstance(listing, JobListOut)
        # Ages are counted to this snapshot, not to when the stream opened.
        rows = {**_with_rows(context, listing), "now": caller.services.clock()}
        return renderer.render(caller.lang, "jobs.html", rows, block="rows")

    return live_stream(caller, cluster, namespace, job_list_watches(), "rows", snapshot, encode)


async def _detail_context(request: Request, caller: WebCaller, cluster: str, namespace: str) -> dict[str, Any]:
    context = await cluster_context(request, caller, cluster, namespace)
    context.update(actions=_actions, base=_base(cluster, namespace), generated=_GENERATED)
    return context


def _job_service(detail: JobDetailOut) -> ServiceOut | None:
    """The detail's Service as the Services page shows one, so both tables read alike."""
    if detail.service is None:
        return None
    return ServiceOut.model_validate(ServiceInfo.of(detail.service, detail.endpoints))


def _base(cluster: str, namespace: str) -> str:
    return f"/clusters/{cluster}/namespaces/{namespace}/jobs"


@router.get(_JOB)
async def job_page(request: Request, cluster: str, namespace: str, name: str, caller: WebCaller) -> Response:
    detail = await read_job(cluster, namespace, name, caller)
    assert isinstance(detail, JobDetailOut)
    context = await _detail_context(request, caller, cluster, namespace)
    context.update(
        detail=detail, job=detail.summary, containers=_containers(detail.job), job_service=_job_service(detail)
    )
    alternate = f"/api/clusters/{cluster}/namespaces/{namespace}/jobs/{name}"
    # The Service section's Refresh asks for its block alone, with the endpoints as they are now.
    block = "service" if request.headers.get("hx-target") == "job-service" else None
    return pages(request).response(caller.lang, "job.html", context, block=block, alternate=alternate)


@router.get(_JOB + "/live")
async def job_live(request: Request, cluster: str, namespace: str, name: str, caller: WebCaller) -> Response:
    caller.require(Action.JOB_GET, cluster, namespace, target=name)
    context = await _detail_context(request, caller, cluster, namespace)
    renderer = pages(request)

    async def snapshot(current: Any) -> BaseModel:
        detail = await read_job(cluster, namespace, name, current)
        assert isinstance(detail, JobDetailOut)
        return detail

    def encode(detail: BaseModel) -> str:
        assert isinstance(detail, JobDetailOut)
        fresh = {**context, "detail": detail, "job": detail.summary, "now": caller.services.clock()}
        return renderer.render(caller.lang, "job.html", fresh, "live")

    return live_stream(caller, cluster, namespace, job_detail_watches(name), "job", snapshot, encode)


@router.get(_JOB + "/logs")
async def merged_logs(
    request: Request, cluster: str, namespace: str, name: str, caller: WebCaller, container: str | None = None
) -> Response:
    """Every pod's log of one container, each line prefixed with its pod; ``download=1`` saves it as a file."""
    caller.require(Action.JOB_LOGS, cluster, namespace, target=name)
    # The API's merged log (``…/jobs/{name}/logs``): still there for the pods a delete with cascade Orphan kept.
    text = await caller.services.jobs(cluster, caller.db).merged_logs(namespace, name, container=container)
    headers = {}
    if request.query_params.get("download"):
        headers["Content-Disposition"] = f'attachment; filename="{name}-{container or "logs"}.log"'
    return PlainTextResponse(text, headers=headers)


def _containers(job: dict[str, Any]) -> list[str]:
    spec = ((job.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [str(c.get("name")) for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]]
