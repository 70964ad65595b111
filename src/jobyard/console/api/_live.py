"""Live updates as Server-Sent Events: the Job list of a namespace, one Job, a followed log.

The list and the detail are level-triggered, like a controller: watches on the Jobs and their
pods only say *that* something changed; each burst of changes (``live_coalesce_seconds``) is
answered with the whole list or detail read afresh, so a client never has to apply deltas and
a missed event costs nothing. Every stream ends when the server stops.

Changes to Jobs and pods come from the cluster's cache (``ClusterCache.subscribe``), which already
watches them, so an open page costs no watch of its own on the cluster; only where the cache
cannot be kept (RBAC) does a stream open its own watches.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sse_starlette import EventSourceResponse

from jobyard.console.auth import UnknownCluster
from jobyard.console.clusters import CACHED_KINDS, JOBS, PODS, ClusterCache, Interest, Kind, KubeClient, KubeError
from jobyard.console.jobs import KubeApiError

from ._context import Caller
from ._kube_api import translated_errors

__all__ = ["job_detail_watches", "job_list_watches", "log_stream", "stream"]

PING_SECONDS = 15
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
# A watch selection: the kind, then label and field selectors.
Selection = tuple[Kind, dict[str, Any] | None, dict[str, Any] | None]


def job_list_watches() -> list[Selection]:
    """What changes a namespace's Job list: its Jobs and its pods."""
    return [(JOBS, None, None), (PODS, None, None)]


def job_detail_watches(name: str) -> list[Selection]:
    """What changes one Job's detail: the Job and the pods its controller labels with its name."""
    return [(JOBS, None, {"metadata.name": name}), (PODS, {JOB_NAME_LABEL: name}, None)]


def stream(
    caller: Caller,
    cluster: str,
    namespace: str,
    selections: list[Selection],
    event: str,
    snapshot: Callable[[Caller], Awaitable[BaseModel]],
    encode: Callable[[BaseModel], str] | None = None,
) -> EventSourceResponse:
    """``event`` events, each ``snapshot`` read afresh: first at once, then after every burst of changes.

    The data is the snapshot as JSON, or what ``encode`` makes of it (the web pages send HTML).
    """
    services = caller.services
    data = encode or (lambda model: model.model_dump_json(by_alias=True))
    cache = services.clusters.cache_for(cluster)
    interest = _interest(namespace, selections)

    async def events() -> AsyncIterator[dict[str, str]]:
        # The request's database session ends with the request handler; a stream outlives it.
        with services.sessions() as session:
            current = dataclasses.replace(caller, db=session)
            try:
                if interest is not None and await cache.ready():
                    changes = _cached_changes(
                        cache,
                        interest,
                        services.stopping,
                        services.live_coalesce_seconds,
                        lambda: services.clusters.cache_for(cluster),
                    )
                else:
                    versions = [await _list_version(cache.client, namespace, selection) for selection in selections]
                    changes = _changes(
                        cache.client,
                        namespace,
                        selections,
                        versions,
                        services.stopping,
                        services.live_coalesce_seconds,
                    )
                yield {"event": event, "data": data(await snapshot(current))}
                async for _ in changes:
                    yield {"event": event, "data": data(await snapshot(current))}
            except (KubeError, KubeApiError, UnknownCluster) as error:
                yield {"event": "error", "data": str(error)}

    return EventSourceResponse(events(), ping=PING_SECONDS)


def _interest(namespace: str, selections: list[Selection]) -> Interest | None:
    """Which cache changes concern the selections; None when the cache does not hold them all."""
    for kind, _, fields in selections:
        if kind not in CACHED_KINDS or not set(fields or {}) <= {"metadata.name", "metadata.namespace"}:
            return None

    def concerns(kind: Kind, changed: dict[str, Any] | None) -> bool:
        if changed is None:
            return True  # listed again, or failing: anything may have changed
        metadata = changed.get("metadata") or {}
        if metadata.get("namespace") != namespace:
            return False
        labels = metadata.get("labels") or {}
        return any(
            selected is kind
            and all(labels.get(key) == value for key, value in (label_selector or {}).items())
            and all(metadata.get(path.removeprefix("metadata.")) == value for path, value in (fields or {}).items())
            for selected, label_selector, fields in selections
        )

    return concerns


async def _cached_changes(
    cache: ClusterCache,
    interest: Interest,
    stopping: asyncio.Event,
    coalesce_seconds: float,
    current_cache: Callable[[], ClusterCache],
) -> AsyncIterator[None]:
    """One item per burst of changes the cache reports, until ``stopping`` is set.

    A cache stopped under the stream (the cluster's kubeconfig changed) is followed by its
    successor; a removed cluster ends the stream with UnknownCluster.
    """
    stop = asyncio.ensure_future(stopping.wait())
    try:
        while True:
            with cache.subscribe(interest) as changed:
                while not cache.stopped:
                    waiting = asyncio.ensure_future(changed.wait())
                    await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
                    waiting.cancel()
                    if stop.done():
                        return
                    await asyncio.sleep(coalesce_seconds)
                    changed.clear()
                    yield None
            cache = current_cache()
    finally:
        stop.cancel()


async def _list_version(client: KubeClient, namespace: str, selection: Selection) -> str:
    kind, labels, fields = selection
    return (await client.list(kind, namespace=namespace, labels=labels, fields=fields)).resource_version


async def _changes(
    client: KubeClient,
    namespace: str,
    selections: list[Selection],
    versions: list[str],
    stopping: asyncio.Event,
    coalesce_seconds: float,
) -> AsyncIterator[None]:
    """One item per burst of changes to any selection, until ``stopping`` is set; a failed watch raises."""
    changed: asyncio.Queue[BaseException | None] = asyncio.Queue()

    async def pump(selection: Selection, version: str) -> None:
        kind, labels, fields = selection
        try:
            async for _ in client.watch(
                kind, namespace=namespace, labels=labels, fields=fields, resource_version=version or None
            ):
                changed.put_nowait(None)
        except KubeError as error:
            changed.put_nowait(error)

    async def stop() -> None:
        await stopping.wait()
        changed.put_nowait(_Stopped())

    tasks = [
        asyncio.create_task(pump(selection, version)) for selection, version in zip(selections, versions, strict=True)
    ]
    tasks.append(asyncio.create_task(stop()))
    try:
        while True:
            item = await changed.get()
            await asyncio.sleep(coalesce_seconds)
            while not changed.empty() and item is None:
                item = changed.get_nowait()
            if isinstance(item, _Stopped):
                return
            if item is not None:
                raise item
            yield None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _Stopped(Exception):
    """The server is stopping: the stream ends."""


async def log_stream(
    caller: Caller,
    cluster: str,
    namespace: str,
    job: str,
    pod: str,
    container: str | None,
    tail_lines: int | None,
    request: Request,
) -> EventSourceResponse | StreamingResponse:
    """The log as it grows, until the container ends: ``line`` events for SSE clients, plain text otherwise."""
    kube = caller.services.kube(cluster)
    # The job service's rule: a Job's page reads only its own pods' logs (and those it orphaned).
    await caller.services.jobs(cluster, caller.db).log_pod(namespace, job, pod)
    stopping = caller.services.stopping

    async def chunks() -> AsyncIterator[bytes]:
        stream = kube.follow_logs(namespace, pod, container=container, tail_lines=tail_lines, follow=True)
        waiting_for_stop = asyncio.ensure_future(stopping.wait())
        try:
            while True:
                next_chunk = asyncio.ensure_future(anext(stream))
                done, _ = await asyncio.wait({next_chunk, waiting_for_stop}, return_when=asyncio.FIRST_COMPLETED)
                if waiting_for_stop in done:
                    next_chunk.cancel()
                    return
                try:
                    yield next_chunk.result()
                except StopAsyncIteration:
                    return
        finally:
            waiting_for_stop.cancel()
            with translated_errors():
                await stream.aclose()

    if "text/event-stream" not in request.headers.get("accept", ""):
        return StreamingResponse(chunks(), media_type="text/plain; charset=utf-8")

    async def lines() -> AsyncIterator[dict[str, str]]:
        partial = b""
        try:
            async for chunk in chunks():
                *complete, partial = (partial + chunk).split(b"\n")
                for line in complete:
                    yield {"event": "line", "data": line.decode(errors="replace")}
            if partial:
                yield {"event": "line", "data": partial.decode(errors="replace")}
            yield {"event": "end", "data": ""}
        except KubeApiError as error:
            yield {"event": "error", "data": str(error)}

    return EventSourceResponse(lines(), ping=PING_SECONDS)
