"""The job service's ``KubeApi`` and ``JobIndex`` over the console's cluster client and cache, errors translated.

Writes go to the cluster; what a create or a patch returns is also handed to the cluster's cache
(``ClusterCache.observe``), so the Job list shows a write as soon as the write has answered,
without waiting for the watch event that follows it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from typing import Any

from jobyard.console.clusters import EVENTS as CLUSTER_EVENTS
from jobyard.console.clusters import JOBS as CLUSTER_JOBS
from jobyard.console.clusters import PODS as CLUSTER_PODS
from jobyard.console.clusters import SERVICES as CLUSTER_SERVICES
from jobyard.console.clusters import ClusterCache, Kind, KubeClient, KubeError, PatchStrategy, Propagation
from jobyard.console.clusters import ClusterUnreachable as ClientUnreachable
from jobyard.console.jobs import (
    ENDPOINTS,
    EVENTS,
    JOBS,
    PODS,
    SERVICES,
    Cascade,
    ClusterUnreachable,
    Conflict,
    JobWithPods,
    Manifest,
    Resource,
    api_error,
)
from jobyard.console.resources import ENDPOINTS as CLUSTER_ENDPOINTS

__all__ = ["ClusterCacheIndex", "KubeClientApi", "translated_errors"]

_KINDS: dict[Resource, Kind] = {
    JOBS: CLUSTER_JOBS,
    PODS: CLUSTER_PODS,
    SERVICES: CLUSTER_SERVICES,
    EVENTS: CLUSTER_EVENTS,
    ENDPOINTS: CLUSTER_ENDPOINTS,
}


@contextmanager
def translated_errors() -> Iterator[None]:
    """The cluster client's ``KubeError`` as the job service's ``KubeApiError`` family."""
    try:
        yield
    except ClientUnreachable as error:
        raise ClusterUnreachable(error.message) from None
    except KubeError as error:
        raise api_error(error.code, error.status) from None


class ClusterCacheIndex:
    """``jobyard.console.jobs.JobIndex`` over one cluster's cache of Jobs and pods."""

    def __init__(self, cache: ClusterCache) -> None:
        self.cache = cache

    async def jobs_with_pods(self, namespace: str | None) -> list[JobWithPods] | None:
        with translated_errors():
            if not await self.cache.ready():
                return None
        jobs = self.cache.jobs.items(namespace)
        return [(job, self.cache.pods.controlled_by(str((job.get("metadata") or {}).get("uid")))) for job in jobs]


class KubeClientApi:
    """``jobyard.console.jobs.KubeApi`` for one joined cluster; writes are shown to ``cache`` when given."""

    def __init__(self, client: KubeClient, cache: ClusterCache | None = None) -> None:
        self.client = client
        self.cache = cache

    async def get(self, resource: Resource, namespace: str, name: str) -> Manifest:
        with translated_errors():
            return await self.client.get(_KINDS[resource], name, namespace=namespace)

    async def list(
        self, resource: Resource, namespace: str | None, label_selector: str | None = None
    ) -> list[Manifest]:
        with translated_errors():
            listed = await self.client.list(_KINDS[resource], namespace=namespace, labels=_labels(label_selector))
        return listed.items

    async def create(self, resource: Resource, namespace: str, body: Manifest, *, dry_run: bool = False) -> Manifest:
        with translated_errors():
            created = await self.client.create(body, namespace=namespace, dry_run=dry_run)
        if not dry_run:
            self._wrote(created)
        return created

    async def merge_patch(self, resource: Resource, namespace: str, name: str, patch: Manifest) -> Manifest:
        with translated_errors():
            patched = await self.client.patch(
                _KINDS[resource], name, patch, namespace=namespace, strategy=PatchStrategy.MERGE
            )
        self._wrote(patched)
        return patched

    def _wrote(self, obj: Manifest) -> None:
        if self.cache is not None:
            self.cache.observe(obj)

    async def delete(
        self, resource: Resource, namespace: str, name: str, *, propagation: Cascade, uid: str | None = None
    ) -> None:
        kind = _KINDS[resource]
        with translated_errors():
            if uid is not None:
                # The client sends no DELETE preconditions, so the uid is compared just before: a
                # Job recreated between the two calls could still be deleted, a narrow window the
                # server-side precondition would close.
                current = await self.client.get(kind, name, namespace=namespace)
                if (current.get("metadata") or {}).get("uid") != uid:
                    raise Conflict(409, _uid_mismatch(resource, name, uid))
            await self.client.delete(kind, name, namespace=namespace, propagation=Propagation(propagation.value))

    async def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        chunks = [chunk async for chunk in self.follow_logs(namespace, pod, container=container, tail_lines=tail_lines)]
        return b"".join(chunks).decode(errors="replace")

    async def follow_logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        follow: bool = False,
    ) -> AsyncGenerator[bytes, None]:
        with translated_errors():
            async for chunk in self.client.logs(
                pod, namespace=namespace, container=container, tail_lines=tail_lines, follow=follow
            ):
                yield chunk


def _labels(selector: str | None) -> dict[str, Any] | None:
    """The job service's selectors are ``key=value`` pairs joined by commas (a Job's matchLabels)."""
    if not selector:
        return None
    return dict(pair.split("=", 1) for pair in selector.split(","))


def _uid_mismatch(resource: Resource, name: str, uid: str) -> Manifest:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": 409,
        "reason": "Conflict",
        "message": f"Precondition failed: UID in precondition: {uid}, UID in object meta: another {resource.plural} {name}",
    }
