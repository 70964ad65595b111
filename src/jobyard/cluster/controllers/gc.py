"""The garbage collector: ownerReferences, and the three propagation policies.

An owner → dependents graph is kept from watch events (the first list of each
watch rebuilds it after a restart); an event queues only the objects it can
affect, and each is decided from current state only, as upstream's
graph-builder and attemptToDelete queues do.

- An object whose owners are all gone is deleted (Background); owners that are
  gone are dropped from an object that still has a live one.
- An owner deleting with the ``orphan`` finalizer: its dependents lose their
  ownerReference to it, then the finalizer goes.
- An owner deleting with ``foregroundDeletion``: its dependents are deleted
  (Foreground where they block the owner), and the finalizer goes once no
  dependent with ``blockOwnerDeletion`` is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from jobyard.cluster import kinds
from jobyard.cluster.errors import Conflict, NotFound, StatusError
from jobyard.cluster.registry import JSON_PATCH, DeleteOptions

from ._runtime import Controller

log = logging.getLogger(__name__)

Obj = dict[str, Any]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# How often dependents whose owners may be gone are decided again: a net for a missed event.
_RESYNC_SECONDS = 30.0
# A recheck hands the loop back after this many objects, so API requests do not wait for all of it.
_RECHECK_BATCH = 500


Ref = tuple[str, str, str]  # (resource, namespace, name)


class GarbageCollector(Controller):
    """Keeps an owner → dependents graph from watch events and reconciles only what an event touches."""

    name = "garbage-collector"

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.watched = tuple(rtype.qualified_plural for rtype in kinds.RESOURCE_TYPES)
        self._dependents: dict[str, set[Ref]] = {}
        self._owners_of: dict[Ref, set[str]] = {}
        self._finalizing: set[Ref] = set()

    def background(self) -> list[Coroutine[Any, Any, None]]:
        return [self._resync()]

    def on_event(self, resource: str, event_type: str, obj: Obj) -> None:
        for key in self.observe(resource, event_type, obj):
            self.queue.add(key)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(_RESYNC_SECONDS)
            try:
                await self.recheck()
            except Exception:
                log.exception("garbage collection resync failed")

    def observe(self, resource: str, event_type: str, obj: Obj) -> list[str]:
        """Update the graph with one event; the keys it gives work to."""
        meta = obj["metadata"]
        ref: Ref = (resource, meta.get("namespace", ""), meta["name"])
        for owner in self._owners_of.pop(ref, set()):
            dependents = self._dependents.get(owner)
            if dependents is not None:
                dependents.discard(ref)
                if not dependents:
                    del self._dependents[owner]
        owners = {reference.get("uid", "") for reference in meta.get("ownerReferences") or []}
        touched: set[Ref] = set()
        self._finalizing.discard(ref)
        if event_type != "DELETED":
            if owners:
                self._owners_of[ref] = owners
                for owner in owners:
                    self._dependents.setdefault(owner, set()).add(ref)
            finalizers = meta.get("finalizers") or []
            if ORPHAN in finalizers or FOREGROUND in finalizers:
                self._finalizing.add(ref)
            if owners or ref in self._finalizing:
                touched.add(ref)
        if event_type == "DELETED" or meta.get("deletionTimestamp"):
            # Its dependents may be orphans now; owners waiting in the foreground may be free.
            touched |= self._dependents.get(meta.get("uid", ""), set())
            for owner in owners:
                found = self.client.peek_by_uid(owner)
                if found is not None:
                    owner_meta = found[1]["metadata"]
                    touched.add((found[0], owner_meta.get("namespace", ""), owner_meta["name"]))
        return ["/".join(ref) for ref in touched]

    async def reconcile(self, key: str) -> float | None:
        resource, namespace, name = key.split("/", 2)
        obj = self.client.peek(resource, namespace, name)
        if obj is not None:
            self._collect(resource, obj)
        return None

    async def recheck(self) -> None:
        """Decide again every object the graph holds work for: each dependent, and each owner
        deleting with the orphan or foreground finalizer, from its state when its turn comes.

        Objects with neither are never looked at, so the periodic recheck costs the objects that
        have owners, not the whole store (Events included) each time. Watch events go on being
        handled between batches.
        """
        refs = set(self._owners_of) | self._finalizing
        for count, ref in enumerate(sorted(refs), 1):
            if ref not in self._finalizing and all(map(self.client.holds_uid, self._owners_of.get(ref, ()))):
                # Every owner is there. An owner's uid names one object for good, whose name and
                # namespace were checked when the reference was first seen; the dependent itself
                # is not read, which for a pod kept as text would mean decoding it.
                continue
            resource, namespace, name = ref
            current = self.client.peek(resource, namespace, name)
            if current is not None:
                self._collect(resource, current)
            if count % _RECHECK_BATCH == 0:
                await asyncio.sleep(0)

    def _dependents_of(self, uid: str) -> list[tuple[str, Obj, Obj]]:
        result = []
        for resource, namespace, name in sorted(self._dependents.get(uid, set())):
            dependent = self.client.peek(resource, namespace, name)
            if dependent is None:
                continue
            for reference in dependent["metadata"].get("ownerReferences") or []:
                if reference.get("uid") == uid:
                    result.append((resource, dependent, reference))
        return result

    def _collect(self, resource: str, obj: Obj) -> None:
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and ORPHAN in finalizers:
            for dependent_resource, dependent, _ in self._dependents_of(meta["uid"]):
                self._drop_owner(dependent_resource, dependent, {meta["uid"]})
            self._drop_finalizer(resource, obj, ORPHAN)
            return
        if meta.get("deletionTimestamp") and FOREGROUND in finalizers:
            blocking = 0
            for dependent_resource, dependent, reference in self._dependents_of(meta["uid"]):
                blocks = bool(reference.get("blockOwnerDeletion"))
                blocking += blocks
                if not dependent["metadata"].get("deletionTimestamp"):
                    self._delete(dependent_resource, dependent, "Foreground" if blocks else "Background")
            if not blocking:
                self._drop_finalizer(resource, obj, FOREGROUND)
            return
        references = meta.get("ownerReferences") or []
        if not references or meta.get("deletionTimestamp"):
            return
        gone = {ref.get("uid", "") for ref in references if not self._owner_exists(ref, meta)}
        if not gone:
            return
        if len(gone) == len(references):
            self._delete(resource, obj, "Background")
        else:
            self._drop_owner(resource, obj, gone)

    def _owner_exists(self, reference: Obj, dependent_meta: Obj) -> bool:
        found = self.client.peek_by_uid(reference.get("uid", ""))
        if found is None:
            return False
        owner = found[1]["metadata"]
        if owner.get("name") != reference.get("name"):
            return False
        # A namespaced owner must live in the dependent's namespace.
        return owner.get("namespace", "") in ("", dependent_meta.get("namespace", ""))

    def _delete(self, resource: str, obj: Obj, policy: str) -> None:
        meta = obj["metadata"]
        try:
            self.client.delete(
                resource,
                meta.get("namespace", ""),
                meta["name"],
                DeleteOptions(propagation_policy=policy, precondition_uid=meta.get("uid")),
            )
        except (NotFound, Conflict):
            pass

    def _drop_owner(self, resource: str, obj: Obj, uids: set[str]) -> None:
        meta = obj["metadata"]
        kept = [ref for ref in meta.get("ownerReferences") or [] if ref.get("uid") not in uids]
        self._patch(resource, obj, "/metadata/ownerReferences", kept)

    def _drop_finalizer(self, resource: str, obj: Obj, finalizer: str) -> None:
        kept = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        self._patch(resource, obj, "/metadata/finalizers", kept)

    def _patch(self, resource: str, obj: Obj, path: str, value: list[Any]) -> None:
        meta = obj["metadata"]
        operations = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": meta["resourceVersion"]},
            {"op": "replace" if value else "remove", "path": path, **({"value": value} if value else {})},
        ]
        try:
            self.client.patch(resource, meta.get("namespace", ""), meta["name"], JSON_PATCH, operations)
        except (NotFound, Conflict):
            pass
        except StatusError as error:
            log.warning("garbage collector could not patch %s %s: %s", resource, meta["name"], error)
