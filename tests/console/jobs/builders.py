"""Jobs and pods as the API server returns them, built up one field at a time for status tables."""

from __future__ import annotations

import copy
from typing import Any

Obj = dict[str, Any]

CREATED = "2027-01-01T09:00:00Z"
STARTED = "2027-01-01T09:00:05Z"
UID = "0b5e6a4c-0000-4000-8000-000000000001"


def job(name: str = "job-01", **spec: Any) -> Obj:
    """A Job just created by the server: defaulted spec, generated selector and labels, empty status."""
    generated = {"batch.kubernetes.io/controller-uid": UID, "controller-uid": UID}
    generated |= {"batch.kubernetes.io/job-name": name, "job-name": name}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": UID,
            "resourceVersion": "41",
            "generation": 1,
            "creationTimestamp": CREATED,
            "labels": {"app": name},
        },
        "spec": {
            "parallelism": 1,
            "completions": 1,
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "suspend": False,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
            "template": {
                "metadata": {"labels": {"app": name, **generated}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]},
            },
            **spec,
        },
        "status": {},
    }


def with_status(obj: Obj, **status: Any) -> Obj:
    changed = copy.deepcopy(obj)
    changed["status"].update(status)
    return changed


def started(obj: Obj, **counters: Any) -> Obj:
    return with_status(obj, startTime=STARTED, **counters)


def with_conditions(obj: Obj, *conditions: Obj) -> Obj:
    changed = copy.deepcopy(obj)
    changed["status"]["conditions"] = list(conditions)
    return changed


def condition(kind: str, reason: str = "", message: str = "", status: str = "True", at: str = STARTED) -> Obj:
    return {"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": at}


def suspended(obj: Obj) -> Obj:
    changed = copy.deepcopy(obj)
    changed["spec"]["suspend"] = True
    return changed


def deleting(obj: Obj) -> Obj:
    changed = copy.deepcopy(obj)
    changed["metadata"]["deletionTimestamp"] = "2027-01-01T09:10:00Z"
    return changed


def pod(phase: str = "Pending", name: str = "job-01-abcde", index: int | None = None, **status: Any) -> Obj:
    metadata: Obj = {"name": name, "namespace": "default", "uid": f"pod-{name}", "labels": {}}
    if index is not None:
        metadata["labels"]["batch.kubernetes.io/job-completion-index"] = str(index)
        metadata["annotations"] = {"batch.kubernetes.io/job-completion-index": str(index)}
    return {"metadata": metadata, "spec": {}, "status": {"phase": phase, **status}}


def waiting(reason: str, message: str = "", name: str = "main") -> Obj:
    state = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
    return {"name": name, "ready": False, "restartCount": 0, "state": state}


def running_container(restarts: int = 0, name: str = "main") -> Obj:
    return {"name": name, "ready": True, "restartCount": restarts, "state": {"running": {"startedAt": STARTED}}}


def exited(code: int, finished: str = "2027-01-01T09:01:00Z", name: str = "main", restarts: int = 0) -> Obj:
    state = {"terminated": {"exitCode": code, "finishedAt": finished, "reason": "Completed" if code == 0 else "Error"}}
    return {"name": name, "ready": False, "restartCount": restarts, "state": state}


def unschedulable(message: str = "0/0 nodes are available.") -> Obj:
    return {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}


def terminating(obj: Obj) -> Obj:
    changed = copy.deepcopy(obj)
    changed["metadata"]["deletionTimestamp"] = "2027-01-01T09:10:00Z"
    return changed
