"""What the controller reads off a pod: phase, readiness, termination, finish time, deletion order."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.clock import parse_time

__all__ = [
    "TRACKING_FINALIZER",
    "ZERO_TIME",
    "finished_time",
    "has_tracking_finalizer",
    "is_active",
    "is_failed",
    "is_ready",
    "is_terminating",
    "removal_order",
]

Obj = dict[str, Any]

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
# Go's zero time.Time: a terminated container without finishedAt finished "long ago".
ZERO_TIME = -62135596800.0
_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def meta(pod: Obj) -> Obj:
    return pod.get("metadata") or {}


def phase(pod: Obj) -> str:
    return (pod.get("status") or {}).get("phase", "")


def has_tracking_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in (meta(pod).get("finalizers") or [])


def is_terminal(pod: Obj) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def is_active(pod: Obj) -> bool:
    return not is_terminal(pod) and not meta(pod).get("deletionTimestamp")


def is_terminating(pod: Obj) -> bool:
    return bool(meta(pod).get("deletionTimestamp")) and not is_terminal(pod)


def is_failed(pod: Obj, only_replace_failed: bool) -> bool:
    """Failed, or (under TerminatingOrFailed) deleted before it could succeed."""
    if phase(pod) == "Failed":
        return True
    if only_replace_failed:
        return False
    return bool(meta(pod).get("deletionTimestamp")) and phase(pod) != "Succeeded"


def _condition(pod: Obj, kind: str) -> Obj | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return None


def is_ready(pod: Obj) -> bool:
    ready = _condition(pod, "Ready")
    return ready is not None and ready.get("status") == "True"


def _time(text: str | None) -> float | None:
    return parse_time(text) if text else None


def finished_time(pod: Obj) -> float:
    """Latest container finish if all terminated, else Ready=False time, else deletion, else creation."""
    latest: float | None = None
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    for status in statuses:
        terminated = (status.get("state") or {}).get("terminated")
        if terminated is None:
            latest = None
            break
        finished = _time(terminated.get("finishedAt"))
        finished = ZERO_TIME if finished is None else finished
        latest = finished if latest is None else max(latest, finished)
    if latest is not None:
        return latest
    ready = _condition(pod, "Ready")
    if ready is not None and ready.get("status") == "False" and ready.get("lastTransitionTime"):
        return parse_time(ready["lastTransitionTime"])
    deleted = _time(meta(pod).get("deletionTimestamp"))
    if deleted is not None:
        return deleted - (meta(pod).get("deletionGracePeriodSeconds") or 0)
    created = _time(meta(pod).get("creationTimestamp"))
    return ZERO_TIME if created is None else created


def restart_count(pod: Obj) -> int:
    status = pod.get("status") or {}
    containers = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    return sum(c.get("restartCount", 0) for c in containers)


def _max_restarts(pod: Obj) -> int:
    containers = (pod.get("status") or {}).get("containerStatuses") or []
    return max((c.get("restartCount", 0) for c in containers), default=0)


def _newest_first(text: str | None) -> tuple[int, float]:
    # Zero times first, then later times before earlier ones (upstream's afterOrZero).
    when = _time(text)
    return (0, 0.0) if when is None else (1, -when)


def removal_order(pod: Obj) -> tuple[Any, ...]:
    """Sort key of upstream's ActivePods: the pods cheapest to lose come first."""
    ready = is_ready(pod)
    ready_since = (_condition(pod, "Ready") or {}).get("lastTransitionTime") if ready else None
    return (
        bool((pod.get("spec") or {}).get("nodeName")),
        _PHASE_ORDER.get(phase(pod), 3),
        ready,
        _newest_first(ready_since) if ready else (0, 0.0),
        -_max_restarts(pod),
        _newest_first(meta(pod).get("creationTimestamp")),
    )
