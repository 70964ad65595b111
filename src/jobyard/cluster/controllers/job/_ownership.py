"""Which pods belong to a Job: owned ones it keeps, orphans it adopts, owned ones it releases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.selectors import selector_from_label_selector

from ._pods import TRACKING_FINALIZER, has_tracking_finalizer, meta

__all__ = [
    "Ownership",
    "adoption_patch",
    "classify_pods",
    "controller_uid",
    "finalizer_removal_patch",
    "needs_finalizer_cleanup",
]

Obj = dict[str, Any]


@dataclass(frozen=True)
class Ownership:
    owned: tuple[Obj, ...]
    adopt: tuple[Obj, ...]
    release: tuple[Obj, ...]


def controller_uid(pod: Obj) -> str | None:
    for ref in meta(pod).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")
    return None


def classify_pods(job: Obj, pods: Sequence[Obj]) -> Ownership:
    """Like upstream's ControllerRefManager: adopt matching orphans unless the Job is being deleted."""
    selector = selector_from_label_selector(job["spec"].get("selector"))
    uid = meta(job).get("uid")
    deleting = bool(meta(job).get("deletionTimestamp"))
    owned: list[Obj] = []
    adopt: list[Obj] = []
    release: list[Obj] = []
    for pod in pods:
        controller = controller_uid(pod)
        if controller is not None and controller != uid:
            continue  # another controller's pod: neither kept nor adopted
        matches = selector.matches(meta(pod).get("labels") or {})
        if controller == uid:
            (owned if matches else release).append(pod)
        elif controller is None and matches and not deleting and not meta(pod).get("deletionTimestamp"):
            adopt.append(pod)
    return Ownership(tuple(owned), tuple(adopt), tuple(release))


def adoption_patch(job: Obj, pod: Obj) -> list[Obj]:
    """JSON patch making ``job`` the pod's controller and adding the tracking finalizer."""
    job_meta = job["metadata"]
    ref = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": job_meta["name"],
        "uid": job_meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    operations: list[Obj] = [{"op": "test", "path": "/metadata/uid", "value": meta(pod)["uid"]}]
    refs = meta(pod).get("ownerReferences")
    operations.append(
        {"op": "add", "path": "/metadata/ownerReferences/-", "value": ref}
        if refs
        else {"op": "add", "path": "/metadata/ownerReferences", "value": [ref]}
    )
    if not has_tracking_finalizer(pod):
        finalizers = meta(pod).get("finalizers")
        operations.append(
            {"op": "add", "path": "/metadata/finalizers/-", "value": TRACKING_FINALIZER}
            if finalizers
            else {"op": "add", "path": "/metadata/finalizers", "value": [TRACKING_FINALIZER]}
        )
    return operations


def finalizer_removal_patch(pod: Obj) -> list[Obj] | None:
    """JSON patch removing the tracking finalizer, guarded by tests so a stale copy cannot remove another."""
    finalizers = meta(pod).get("finalizers") or []
    if TRACKING_FINALIZER not in finalizers:
        return None
    position = finalizers.index(TRACKING_FINALIZER)
    path = f"/metadata/finalizers/{position}"
    return [
        {"op": "test", "path": "/metadata/uid", "value": meta(pod)["uid"]},
        {"op": "test", "path": path, "value": TRACKING_FINALIZER},
        {"op": "remove", "path": path},
    ]


def needs_finalizer_cleanup(pod: Obj, job: Obj | None, job_finished: bool) -> bool:
    """The orphan pass: a tracked pod whose Job is gone, finished or never owned it."""
    if not has_tracking_finalizer(pod):
        return False
    if job is None or job_finished:
        return True
    return controller_uid(pod) != meta(job).get("uid")
