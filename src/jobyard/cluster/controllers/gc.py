"""The garbage collector: ownerReferences, and the three propagation policies.

Level-triggered over the whole store: any change wakes a sweep that reads
every object once and decides, per object, from current state only, so it is
correct after a restart as well as in steady state.

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
from typing import Any

from jobyard.cluster import kinds
from jobyard.cluster.errors import Conflict, NotFound, StatusError
from jobyard.cluster.registry import JSON_PATCH, DeleteOptions

from ._runtime import Controller

log = logging.getLogger(__name__)

Obj = dict[str, Any]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# A sweep after a burst of events waits this long so the burst is read once.
_SETTLE_SECONDS = 0.2
# A sweep runs at least this often, for owners that vanish while nobody watches.
_RESYNC_SECONDS = 30.0


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self._wake = asyncio.Event()

    async def run(self) -> None:
        resources = [rtype.qualified_plural for rtype in kinds.RESOURCE_TYPES]
        watches = [asyncio.create_task(self._watch_all(resource)) for resource in resources]
        try:
            while True:
                try:
                    await asyncio.wait_for(self._wake.wait(), _RESYNC_SECONDS)
                except TimeoutError:
                    pass
                self._wake.clear()
                await asyncio.sleep(_SETTLE_SECONDS)
                try:
                    self.sweep()
                except Exception:
                    log.exception("garbage collection sweep failed")
        finally:
            for task in watches:
                task.cancel()

    async def _watch_all(self, resource: str) -> None:
        while True:
            async for event in self.client.watch(resource):
                if event["type"] == "ERROR":
                    break
                if event["type"] != "BOOKMARK":
                    self._wake.set()

    def sweep(self) -> None:
        everything: list[tuple[str, Obj]] = []
        by_uid: dict[str, tuple[str, Obj]] = {}
        for rtype in kinds.RESOURCE_TYPES:
            for obj in self.client.registry.store.list(rtype.qualified_plural):
                everything.append((rtype.qualified_plural, obj))
                by_uid[obj["metadata"].get("uid", "")] = (rtype.qualified_plural, obj)
        dependents: dict[str, list[tuple[str, Obj, Obj]]] = {}
        for resource, obj in everything:
            for reference in obj["metadata"].get("ownerReferences") or []:
                dependents.setdefault(reference.get("uid", ""), []).append((resource, obj, reference))
        for resource, obj in everything:
            self._collect(resource, obj, by_uid, dependents)

    def _collect(
        self,
        resource: str,
        obj: Obj,
        by_uid: dict[str, tuple[str, Obj]],
        dependents: dict[str, list[tuple[str, Obj, Obj]]],
    ) -> None:
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if meta.get("deletionTimestamp") and ORPHAN in finalizers:
            for dependent_resource, dependent, _ in dependents.get(meta["uid"], []):
                self._drop_owner(dependent_resource, dependent, {meta["uid"]})
            self._drop_finalizer(resource, obj, ORPHAN)
            return
        if meta.get("deletionTimestamp") and FOREGROUND in finalizers:
            blocking = 0
            for dependent_resource, dependent, reference in dependents.get(meta["uid"], []):
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
        gone = {ref.get("uid", "") for ref in references if not self._owner_exists(ref, by_uid, meta)}
        if not gone:
            return
        if len(gone) == len(references):
            self._delete(resource, obj, "Background")
        else:
            self._drop_owner(resource, obj, gone)

    @staticmethod
    def _owner_exists(reference: Obj, by_uid: dict[str, tuple[str, Obj]], dependent_meta: Obj) -> bool:
        found = by_uid.get(reference.get("uid", ""))
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
