"""The in-process client: the API's verbs for controllers, without the HTTP hop.

It calls the same registry as the HTTP server (same defaulting, validation,
resourceVersion checks and watch stream), so a controller can never write
what kubectl could not. Objects are handed out as copies.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from jobyard.cluster import kinds
from jobyard.cluster.errors import NotFound
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.registry import (
    DeleteOptions,
    ListOptions,
    Registry,
    WatchOptions,
    WriteOptions,
)

__all__ = ["LocalClient"]

Obj = dict[str, Any]


def resource_type(resource: str) -> ResourceType:
    """``pods``, ``jobs.batch``: a resource as upstream names it in messages."""
    for rtype in kinds.RESOURCE_TYPES:
        if rtype.qualified_plural == resource:
            return rtype
    raise NotFound(f"the server doesn't have a resource type {resource!r}")


class LocalClient:
    def __init__(self, registry: Registry, field_manager: str) -> None:
        self.registry = registry
        self.field_manager = field_manager

    def _write(self, dry_run: bool = False) -> WriteOptions:
        return WriteOptions(dry_run=dry_run, field_manager=self.field_manager, field_validation="Strict")

    def get(self, resource: str, namespace: str, name: str) -> Obj:
        return copy.deepcopy(self.registry.get(resource_type(resource), namespace, name))

    def find(self, resource: str, namespace: str, name: str) -> Obj | None:
        """The object, or None where it does not exist."""
        try:
            return self.get(resource, namespace, name)
        except NotFound:
            return None

    def list(self, resource: str, namespace: str | None = None, label_selector: str | None = None) -> list[Obj]:
        listed = self.registry.list(resource_type(resource), namespace, ListOptions(label_selector=label_selector))
        return copy.deepcopy(listed["items"])

    def create(self, resource: str, namespace: str, obj: Obj) -> Obj:
        created, _ = self.registry.create(resource_type(resource), namespace, obj, self._write())
        return copy.deepcopy(created)

    def update(self, resource: str, obj: Obj, subresource: str | None = None) -> Obj:
        meta = obj["metadata"]
        updated, _ = self.registry.update(
            resource_type(resource), meta.get("namespace", ""), meta["name"], obj, self._write(), subresource
        )
        return copy.deepcopy(updated)

    def patch(
        self, resource: str, namespace: str, name: str, patch_type: str, patch: Any, subresource: str | None = None
    ) -> Obj:
        """Patch and return the stored result itself, not a copy: read it, never change it."""
        patched, _ = self.registry.patch(
            resource_type(resource), namespace, name, patch_type, patch, self._write(), subresource
        )
        return patched

    def delete(self, resource: str, namespace: str, name: str, options: DeleteOptions = DeleteOptions()) -> None:
        self.registry.delete(resource_type(resource), namespace, name, options)

    def bind(self, namespace: str, name: str, binding: Obj) -> None:
        """pods/binding: assign a pending pod to a node."""
        self.registry.bind(namespace, name, binding)

    def now(self) -> float:
        """The cluster's clock, in seconds since the epoch."""
        return self.registry.clock()

    def peek(self, resource: str, namespace: str, name: str) -> Obj | None:
        """The stored object itself, not a copy: for readers that must not change it."""
        return self.registry.store.get(resource, namespace, name)

    def peek_all(self, resource: str, namespace: str | None = None) -> Sequence[Obj]:
        """Every stored object of a resource (in one namespace), not copies (see :meth:`peek`)."""
        return self.registry.store.list(resource, namespace)

    def holds_uid(self, uid: str) -> bool:
        """Whether an object with this uid exists, at the cost of a lookup."""
        return self.registry.store.holds_uid(uid)

    def peek_by_uid(self, uid: str) -> tuple[str, Obj] | None:
        """The resource and stored object with this uid, not a copy (see :meth:`peek`)."""
        return self.registry.store.get_by_uid(uid)

    def finalize_namespace(self, name: str) -> None:
        """Clear an emptied namespace's ``kubernetes`` finalizer (the namespace controller's /finalize)."""
        self.registry.finalize_namespace(name)

    def watch(
        self, resource: str, namespace: str | None = None, resource_version: str | None = None
    ) -> AsyncGenerator[Obj, None]:
        """Events as upstream streams them; without a version, ADDED for what exists first."""
        return self.registry.watch(resource_type(resource), namespace, WatchOptions(resource_version=resource_version))
