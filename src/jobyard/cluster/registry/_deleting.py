"""DELETE as upstream's generic registry does it: grace periods, finalizers, propagation.

- Pods bound to a node are deleted gracefully: ``deletionTimestamp`` is set
  ``gracePeriodSeconds`` ahead and the node finishes the deletion; a later
  DELETE may only shorten the period.
- The garbage-collection finalizers ``orphan`` and ``foregroundDeletion`` are
  set from the request's policy, else from the one already on the object,
  else from the kind's default (batch/v1 Jobs orphan); never both.
- An object with finalizers is only marked (``deletionTimestamp``, grace 0,
  generation + 1) and goes when the last finalizer is removed.
- A namespace stays while ``spec.finalizers`` holds ``kubernetes``: the
  namespace controller empties it and then finalizes it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from jobyard.cluster import kinds
from jobyard.cluster.clock import format_time, parse_time
from jobyard.cluster.errors import Conflict
from jobyard.cluster.kinds import ResourceType

from ._options import DeleteOptions

if TYPE_CHECKING:
    from ._registry import Registry

Obj = dict[str, Any]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# Upstream keeps batch/v1 Job's pre-GC default: a DELETE that names no
# propagation policy orphans the pods (kubectl always sends Background).
_ORPHAN_BY_DEFAULT = {("batch", "Job")}


def check_uid(rtype: ResourceType, obj: Obj, uid: str | None) -> None:
    """A write or delete that names a uid applies only to the object that has it."""
    meta = obj["metadata"]
    if uid and uid != meta.get("uid"):
        raise Conflict(
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta.get('uid')}",
            name=meta["name"],
            group=rtype.group,
            kind=rtype.plural,
        )


def check_preconditions(rtype: ResourceType, obj: Obj, options: DeleteOptions) -> None:
    check_uid(rtype, obj, options.precondition_uid)
    meta = obj["metadata"]
    wanted = options.precondition_resource_version
    if wanted and wanted != meta.get("resourceVersion"):
        raise Conflict(
            f"Precondition failed: ResourceVersion in precondition: {wanted}, "
            f"ResourceVersion in object meta: {meta.get('resourceVersion')}",
            name=meta["name"],
            group=rtype.group,
            kind=rtype.plural,
        )


def _orphans(rtype: ResourceType, finalizers: list[str], options: DeleteOptions) -> bool:
    if options.orphan_dependents is not None:
        return options.orphan_dependents
    if options.propagation_policy is not None:
        return options.propagation_policy == "Orphan"
    for finalizer in finalizers:
        if finalizer in (ORPHAN, FOREGROUND):
            return finalizer == ORPHAN
    return (rtype.group, rtype.kind) in _ORPHAN_BY_DEFAULT


def _deletes_in_foreground(finalizers: list[str], options: DeleteOptions) -> bool:
    if options.orphan_dependents is not None:
        return False
    if options.propagation_policy is not None:
        return options.propagation_policy == "Foreground"
    for finalizer in finalizers:
        if finalizer in (ORPHAN, FOREGROUND):
            return finalizer == FOREGROUND
    return False


def garbage_collection_finalizers(rtype: ResourceType, finalizers: list[str], options: DeleteOptions) -> list[str]:
    """The object's finalizers with at most one of orphan / foregroundDeletion, as the deletion asks."""
    kept = [finalizer for finalizer in finalizers if finalizer not in (ORPHAN, FOREGROUND)]
    if _orphans(rtype, finalizers, options):
        kept.append(ORPHAN)
    elif _deletes_in_foreground(finalizers, options):
        kept.append(FOREGROUND)
    return kept


def _pod_grace_period(pod: Obj, options: DeleteOptions) -> int:
    """Upstream's pod CheckGracefulDelete: unscheduled and finished pods go at once."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    grace = options.grace_period_seconds
    if grace is None:
        grace = int(spec.get("terminationGracePeriodSeconds", 0) or 0)
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    return grace


def _before_delete(rtype: ResourceType, obj: Obj, options: DeleteOptions, now: float) -> tuple[bool, bool]:
    """(graceful, already pending), as upstream's rest.BeforeDelete decides for ``obj``."""
    if rtype is not kinds.POD:
        return False, False
    meta = obj["metadata"]
    if meta.get("deletionTimestamp"):
        current = meta.get("deletionGracePeriodSeconds") or 0
        if not current:
            return False, False
        wanted = options.grace_period_seconds
        if wanted is None or wanted >= current:
            return False, True
        # Only a shorter period is taken, counted from when the first one started.
        started = parse_time(meta["deletionTimestamp"]) - current
        meta["deletionTimestamp"] = format_time(started + wanted)
        meta["deletionGracePeriodSeconds"] = wanted
        return True, False
    grace = _pod_grace_period(obj, options)
    if not grace:
        return False, False
    meta["deletionTimestamp"] = format_time(now + grace)
    meta["deletionGracePeriodSeconds"] = grace
    _bump_generation(meta)
    return True, False


def _bump_generation(meta: dict[str, Any]) -> None:
    if meta.get("generation"):
        meta["generation"] = int(meta["generation"]) + 1


def waits_for_namespace_finalizers(rtype: ResourceType, obj: Obj) -> bool:
    """A namespace goes only once the namespace controller has emptied and finalized it."""
    return rtype is kinds.NAMESPACE and bool((obj.get("spec") or {}).get("finalizers"))


def delete(
    registry: Registry, rtype: ResourceType, namespace: str, name: str, options: DeleteOptions
) -> tuple[Obj, bool]:
    """Delete or start deleting; the flag is True when the object is gone now."""
    old = registry.require(rtype, namespace, name)
    check_preconditions(rtype, old, options)
    obj = copy.deepcopy(old)
    meta = obj["metadata"]
    now = registry.clock()
    graceful, pending = _before_delete(rtype, obj, options, now)
    if pending:
        return old, False
    finalizers = garbage_collection_finalizers(rtype, list(meta.get("finalizers") or []), options)
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)
    waits = waits_for_namespace_finalizers(rtype, obj)
    if not graceful and not finalizers and not waits:
        if options.dry_run:
            return obj, True
        return registry.store.remove(rtype.qualified_plural, obj), True
    if not meta.get("deletionTimestamp"):
        meta["deletionTimestamp"] = format_time(now)
        meta["deletionGracePeriodSeconds"] = 0
        _bump_generation(meta)
    if rtype is kinds.NAMESPACE:
        obj.setdefault("status", {})["phase"] = "Terminating"
    if obj == old or options.dry_run:
        return (obj if options.dry_run else old), False
    return registry.store.put(rtype.qualified_plural, obj, "MODIFIED"), False


def finalize_namespace(registry: Registry, name: str) -> None:
    """The namespace controller's last step: drop ``kubernetes`` from spec.finalizers; the
    namespace goes then, unless metadata.finalizers still hold it."""
    found = registry.store.get(kinds.NAMESPACE.qualified_plural, "", name)
    if found is None or not found["metadata"].get("deletionTimestamp"):
        return
    if any(True for _ in registry.store.resources_in_namespace(name)):
        raise Conflict(f'namespace "{name}" still holds objects', name=name, kind=kinds.NAMESPACE.plural)
    namespace = copy.deepcopy(found)
    namespace.setdefault("spec", {})["finalizers"] = []
    if not namespace["metadata"].get("finalizers"):
        registry.store.remove(kinds.NAMESPACE.qualified_plural, namespace)
    elif (found.get("spec") or {}).get("finalizers"):
        registry.store.put(kinds.NAMESPACE.qualified_plural, namespace, "MODIFIED")
