"""The kinds the console reaches, as lightkube generic resources: objects stay plain dicts.

Generic resources carry no schema, so nothing a newer API server adds is lost
between the cluster and the console. The classes are built here rather than
through lightkube's ``create_*_resource``, which would register them in
lightkube's process-wide registry, where a typed model loaded by other code
under the same kind would clash with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lightkube.core.resource import ApiInfo, ResourceDef
from lightkube.generic_resource import GenericGlobalResource, GenericNamespacedResource

__all__ = [
    "CONFIGMAPS",
    "EVENTS",
    "JOBS",
    "KINDS",
    "NAMESPACES",
    "NODES",
    "PODS",
    "SECRETS",
    "SELF_SUBJECT_ACCESS_REVIEWS",
    "SERVICES",
    "Kind",
    "kind_of",
]

_VERBS = ["delete", "deletecollection", "get", "global_list", "global_watch", "list", "patch", "post", "put", "watch"]


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None) -> str:
        """The collection's URL path: in ``namespace``, or across every namespace (or cluster-scoped) when None."""
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"

    @cached_property
    def resource(self) -> Any:
        """The lightkube class; typed Any as lightkube's overloads tell global from namespaced by a static class."""
        base = GenericNamespacedResource if self.namespaced else GenericGlobalResource
        api_info = ApiInfo(resource=ResourceDef(self.group, self.version, self.kind), plural=self.plural, verbs=_VERBS)
        return type(self.kind, (base,), {"_api_info": api_info})


NAMESPACES = Kind("", "v1", "Namespace", "namespaces", namespaced=False)
NODES = Kind("", "v1", "Node", "nodes", namespaced=False)
PODS = Kind("", "v1", "Pod", "pods", namespaced=True)
CONFIGMAPS = Kind("", "v1", "ConfigMap", "configmaps", namespaced=True)
SECRETS = Kind("", "v1", "Secret", "secrets", namespaced=True)
SERVICES = Kind("", "v1", "Service", "services", namespaced=True)
EVENTS = Kind("", "v1", "Event", "events", namespaced=True)
JOBS = Kind("batch", "v1", "Job", "jobs", namespaced=True)
SELF_SUBJECT_ACCESS_REVIEWS = Kind(
    "authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", namespaced=False
)

KINDS: dict[tuple[str, str], Kind] = {
    (kind.api_version, kind.kind): kind
    for kind in (NAMESPACES, NODES, PODS, CONFIGMAPS, SECRETS, SERVICES, EVENTS, JOBS, SELF_SUBJECT_ACCESS_REVIEWS)
}


def kind_of(manifest: dict[str, Any]) -> Kind:
    """The kind a manifest names by ``apiVersion`` and ``kind``; ValueError for one the console does not use."""
    key = (str(manifest.get("apiVersion", "")), str(manifest.get("kind", "")))
    try:
        return KINDS[key]
    except KeyError:
        raise ValueError(f"the console does not handle {key[1] or 'objects without a kind'} ({key[0]})") from None
