"""Every kind the embedded cluster serves, and lookups by URL or by apiVersion/kind."""

from __future__ import annotations

from ._base import ResourceType
from ._configdata import CONFIG_MAP, SECRET
from ._core import ENDPOINTS, NAMESPACE, NODE, SERVICE_ACCOUNT
from ._events import EVENT
from ._jobs import JOB
from ._pods import POD
from ._services import SERVICE

__all__ = ["RESOURCE_TYPES", "by_kind", "find"]

RESOURCE_TYPES: tuple[ResourceType, ...] = (
    NAMESPACE,
    POD,
    SERVICE,
    ENDPOINTS,
    EVENT,
    CONFIG_MAP,
    SECRET,
    SERVICE_ACCOUNT,
    NODE,
    JOB,
)

_BY_PATH = {(rtype.group, rtype.version, rtype.plural): rtype for rtype in RESOURCE_TYPES}
_BY_KIND = {(rtype.api_version, rtype.kind): rtype for rtype in RESOURCE_TYPES}


def find(group: str, version: str, plural: str) -> ResourceType | None:
    """The kind served at ``/api[s]/<group>/<version>/.../<plural>``; ``""`` is the core group."""
    return _BY_PATH.get((group, version, plural))


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    """The kind a manifest names, e.g. ``by_kind("batch/v1", "Job")``."""
    return _BY_KIND.get((api_version, kind))
