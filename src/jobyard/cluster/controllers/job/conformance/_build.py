"""Turning a case of job_cases.yaml into the core's inputs, following the file's conventions.

Every mapping is checked against the keys this harness understands, so a field
added to the format later fails loudly instead of being ignored.
"""

from __future__ import annotations

import re
from typing import Any

from jobyard.cluster.clock import format_time, parse_time

from .._indexes import COMPLETION_INDEX
from .._per_index import FAILURE_COUNT
from .._plan import BackoffRecord, Expectations, Memory
from .._pods import TRACKING_FINALIZER

__all__ = ["NOW", "CaseError", "build_job", "build_memory", "build_pods", "check_keys", "instant"]

Obj = dict[str, Any]

NOW = parse_time("2024-05-01T12:00:00Z")
_T0 = parse_time("2024-05-01T11:00:00Z")
_CREATED = "2024-05-01T10:00:00Z"
_FINISHED = "1970-01-01T00:00:01Z"

JOB_KEYS = {
    "parallelism", "completions", "backoffLimit", "completionMode", "backoffLimitPerIndex", "maxFailedIndexes",
    "activeDeadlineSeconds", "suspend", "deletionTimestamp", "managedBy", "podFailurePolicy",
    "podReplacementPolicy", "restartPolicy", "successPolicy",
}  # fmt: skip
POD_KEYS = {
    "count", "phase", "ready", "index", "finalizer", "containers", "initContainers", "conditions",
    "deletionTimestamp", "name", "fc",
}  # fmt: skip
CONTAINER_KEYS = {"name", "exitCode", "restartCount", "finishedAt"}
CONDITION_KEYS = {"type", "status", "reason", "message"}
STATUS_KEYS = {
    "active", "ready", "succeeded", "failed", "terminating", "startTime", "completionTime", "completedIndexes",
    "failedIndexes", "uncountedTerminatedPods", "conditions",
}  # fmt: skip


class CaseError(Exception):
    """The case uses something this harness does not understand."""


def check_keys(where: str, mapping: Any, known: set[str]) -> None:
    if not isinstance(mapping, dict):
        raise CaseError(f"{where}: expected a mapping, got {mapping!r}")
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise CaseError(f"{where}: unknown field(s) {', '.join(map(str, unknown))}")


def instant(expression: Any) -> str | None:
    """'now', 'now-15s', 't0', 'unchanged (now-15s)' or null, as an RFC 3339 time."""
    if expression is None:
        return None
    text = str(expression)
    unchanged = re.fullmatch(r"unchanged \((.+)\)", text)
    if unchanged:
        text = unchanged.group(1)
    if text == "t0":
        return format_time(_T0)
    match = re.fullmatch(r"now(?:-(\d+)s)?", text)
    if match is None:
        raise CaseError(f"unknown time expression {expression!r}")
    return format_time(NOW - int(match.group(1) or 0))


def build_status(where: str, given: Obj) -> Obj:
    check_keys(where, given, STATUS_KEYS)
    status = dict(given)
    for key in ("startTime", "completionTime"):
        if key in status:
            status[key] = instant(status[key])
            if status[key] is None:
                del status[key]
    conditions = []
    for position, condition in enumerate(status.get("conditions") or []):
        check_keys(f"{where}.conditions[{position}]", condition, CONDITION_KEYS)
        when = format_time(NOW - 60)
        conditions.append({**condition, "lastProbeTime": when, "lastTransitionTime": when})
    if conditions:
        status["conditions"] = conditions
    return status


def build_job(case: Obj) -> Obj:
    given = case["job"]
    check_keys("job", given, JOB_KEYS)
    spec: Obj = {key: given[key] for key in given if key not in ("restartPolicy", "deletionTimestamp")}
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 2147483647 if given.get("backoffLimitPerIndex") is not None else 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("podReplacementPolicy", "Failed" if given.get("podFailurePolicy") else "TerminatingOrFailed")
    spec["selector"] = {"matchLabels": {"foo": "bar"}}
    spec["template"] = {
        "metadata": {"labels": {"foo": "bar"}},
        "spec": {
            "restartPolicy": given.get("restartPolicy", "Never"),
            "initContainers": [{"name": "init-container", "image": "busybox"}],
            "containers": [{"name": "main-container", "image": "busybox"}],
        },
    }
    metadata: Obj = {"name": "foobar", "namespace": "default", "uid": "job-uid", "generation": 1}
    if given.get("deletionTimestamp") is not None:
        metadata["deletionTimestamp"] = instant(given["deletionTimestamp"])
    status = build_status("status_before", case.get("status_before") or {})
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec, "status": status}


def _container_status(where: str, given: Obj, pod_phase: str) -> Obj:
    check_keys(where, given, CONTAINER_KEYS)
    status: Obj = {"name": given.get("name", "main-container"), "restartCount": given.get("restartCount", 0)}
    if "exitCode" in given or pod_phase in ("Succeeded", "Failed"):
        terminated: Obj = {"exitCode": given.get("exitCode", 0 if pod_phase == "Succeeded" else 1)}
        finished = given.get("finishedAt", _FINISHED)
        if finished != "unset":
            terminated["finishedAt"] = finished
        status["state"] = {"terminated": terminated}
    else:
        status["state"] = {"running": {"startedAt": _CREATED}}
    return status


def build_pod(where: str, given: Obj, serial: int) -> Obj:
    check_keys(where, given, POD_KEYS)
    phase = given.get("phase", "Pending")
    name = given.get("name", f"pod-{serial}")
    annotations = {}
    if "index" in given:
        annotations[COMPLETION_INDEX] = str(given["index"])
    if "fc" in given:
        annotations[FAILURE_COUNT] = str(given["fc"])
    metadata: Obj = {
        "name": name,
        "namespace": "default",
        "uid": f"uid-{serial}",
        "resourceVersion": str(serial),
        "creationTimestamp": _CREATED,
        "labels": {"foo": "bar"},
        "annotations": annotations,
        "ownerReferences": [
            {"apiVersion": "batch/v1", "kind": "Job", "name": "foobar", "uid": "job-uid", "controller": True}
        ],
    }
    if given.get("finalizer", True):
        metadata["finalizers"] = [TRACKING_FINALIZER]
    if given.get("deletionTimestamp") is not None:
        metadata["deletionTimestamp"] = instant(given["deletionTimestamp"])
    containers = given.get("containers", [{}] if phase in ("Succeeded", "Failed") else [])
    status: Obj = {
        "phase": phase,
        "containerStatuses": [
            _container_status(f"{where}.containers[{i}]", c, phase) for i, c in enumerate(containers)
        ],
    }
    if "initContainers" in given:
        status["initContainerStatuses"] = [
            _container_status(f"{where}.initContainers[{i}]", c, phase) for i, c in enumerate(given["initContainers"])
        ]
    conditions = []
    for position, condition in enumerate(given.get("conditions") or []):
        check_keys(f"{where}.conditions[{position}]", condition, CONDITION_KEYS)
        conditions.append(dict(condition))
    if given.get("ready"):
        conditions.append({"type": "Ready", "status": "True", "lastTransitionTime": _CREATED})
    status["conditions"] = conditions
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {}, "status": status}


def build_pods(case: Obj) -> list[Obj]:
    pods: list[Obj] = []
    for position, given in enumerate(case.get("pods") or []):
        for copy_number in range(given.get("count", 1)):
            pod = build_pod(f"pods[{position}]", given, len(pods))
            if copy_number and "name" in given:
                pod["metadata"]["name"] += f"-{copy_number}"
            pods.append(pod)
    return pods


def build_memory(case: Obj) -> Memory:
    memory = Memory()
    controller_memory = case.get("controller_memory") or {}
    check_keys("controller_memory", controller_memory, {"backoff_record"})
    if "backoff_record" in controller_memory:
        record = controller_memory["backoff_record"]
        check_keys("controller_memory.backoff_record", record, {"failuresAfterLastSuccess", "lastFailureTime"})
        last = instant(record.get("lastFailureTime"))
        memory = Memory(
            backoff=BackoffRecord(record.get("failuresAfterLastSuccess", 0), parse_time(last) if last else None)
        )
    pending = case.get("pending_expectations") or {}
    check_keys("pending_expectations", pending, {"creations", "deletions"})
    expectations = Expectations(creations=pending.get("creations", 0), deletions=pending.get("deletions", 0))
    return Memory(backoff=memory.backoff, expectations=expectations)
