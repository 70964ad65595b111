"""Resource URLs, parsed as upstream lays them out.

/api/v1/{plural}[/{name}[/{subresource}]]
/api/v1/namespaces/{namespace}/{plural}[/{name}[/{subresource}]]
/apis/{group}/{version}/...                  the same below a named group
.../watch/...                                the legacy watch prefix
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from jobyard.cluster.errors import NotFound
from jobyard.cluster.kinds import ResourceType


@dataclass(frozen=True)
class Target:
    rtype: ResourceType
    namespace: str | None  # None: across all namespaces (or a cluster-scoped kind)
    name: str | None
    subresource: str | None
    watch_path: bool


def _not_found() -> NotFound:
    return NotFound("the server could not find the requested resource")


def parse_target(path: str, find: Callable[[str, str, str], ResourceType | None]) -> Target | None:
    """The resource a URL names; None when it is no resource URL at all."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return None
    watch_path = rest[0] == "watch"
    if watch_path:
        rest = rest[1:]
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        candidate = find(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise _not_found()
    rtype = find(group, version, rest[0])
    if rtype is None:
        raise _not_found()
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    if subresource is not None and subresource not in rtype.subresources:
        raise _not_found()
    if namespace is None and rtype.namespaced and name is not None:
        raise _not_found()
    return Target(rtype, namespace, name, subresource, watch_path)
