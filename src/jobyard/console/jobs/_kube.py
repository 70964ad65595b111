"""What the job service needs from a cluster: a few raw-JSON calls of the Kubernetes API.

``KubeApi`` is satisfied by the console's cluster client and, in tests, by a small httpx adapter.
Objects travel as the API's own JSON (plain dicts), so nothing here depends on a client library.
Implementations report failures with the errors below: ``api_error`` picks the class from an
HTTP status and its ``Status`` body, and a call that never reached the API server raises
``ClusterUnreachable``.

KubeApiError            the API server answered with an error Status
├── NotFound            404
├── Conflict            409: the name is taken, or a precondition (uid) failed
├── Invalid             422: the object breaks a rule; ``causes`` name the fields
└── ClusterUnreachable  no answer at all (connection refused, TLS failure, timeout)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "ENDPOINTS",
    "EVENTS",
    "JOBS",
    "PODS",
    "SERVICES",
    "Cascade",
    "ClusterUnreachable",
    "Conflict",
    "Invalid",
    "KubeApi",
    "KubeApiError",
    "Manifest",
    "NotFound",
    "Resource",
    "api_error",
]

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Resource:
    """A namespaced collection: ``api_version`` as in manifests (``v1``, ``batch/v1``) and the plural."""

    api_version: str
    plural: str

    @property
    def path_prefix(self) -> str:
        """``/api/v1`` for the core group, ``/apis/<group>/<version>`` otherwise."""
        return f"/apis/{self.api_version}" if "/" in self.api_version else f"/api/{self.api_version}"


JOBS = Resource("batch/v1", "jobs")
PODS = Resource("v1", "pods")
SERVICES = Resource("v1", "services")
EVENTS = Resource("v1", "events")
ENDPOINTS = Resource("v1", "endpoints")


class Cascade(StrEnum):
    """``propagationPolicy`` of a delete: what happens to the Job's pods.

    Always sent: a batch/v1 delete without it orphans the pods, which is never what a console
    user expects (k8s-job-semantics §11; Headlamp #4834).
    """

    BACKGROUND = "Background"  # the Job goes now, the garbage collector removes its pods after
    FOREGROUND = "Foreground"  # the Job stays (Deleting) until its pods are gone
    ORPHAN = "Orphan"  # the pods stay, released, so their logs remain readable


class KubeApiError(Exception):
    """An error ``Status`` from the API server; ``status`` is that body as sent."""

    def __init__(self, code: int, status: Manifest | None = None) -> None:
        self.code = code
        self.status: Manifest = status or {}
        super().__init__(self.message or f"HTTP {code}")

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or "")

    @property
    def causes(self) -> list[Manifest]:
        return list((self.status.get("details") or {}).get("causes") or [])


class NotFound(KubeApiError):
    pass


class Conflict(KubeApiError):
    pass


class Invalid(KubeApiError):
    pass


class ClusterUnreachable(KubeApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(0, {"reason": "ClusterUnreachable", "message": detail})


_BY_CODE: dict[int, type[KubeApiError]] = {404: NotFound, 409: Conflict, 422: Invalid}


def api_error(code: int, status: Manifest | None) -> KubeApiError:
    return _BY_CODE.get(code, KubeApiError)(code, status)


class KubeApi(Protocol):
    """The calls the job service makes, each in one namespace (a list also in all), all on raw JSON objects."""

    async def get(self, resource: Resource, namespace: str, name: str) -> Manifest: ...

    async def list(
        self, resource: Resource, namespace: str | None, label_selector: str | None = None
    ) -> list[Manifest]:
        """The items of the collection (without the List wrapper); ``namespace`` None lists every namespace."""
        ...

    async def create(self, resource: Resource, namespace: str, body: Manifest, *, dry_run: bool = False) -> Manifest:
        """POST, with ``?dryRun=All`` when ``dry_run``: checked and defaulted by the server, not stored."""
        ...

    async def merge_patch(self, resource: Resource, namespace: str, name: str, patch: Manifest) -> Manifest:
        """PATCH with ``application/merge-patch+json``."""
        ...

    async def delete(
        self, resource: Resource, namespace: str, name: str, *, propagation: Cascade, uid: str | None = None
    ) -> None:
        """DELETE with ``propagationPolicy``; a ``uid`` becomes a precondition, so a newer object of the same name survives."""
        ...

    async def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str: ...
