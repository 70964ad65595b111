"""The status a Job shows in the console, derived on every read from the Job and its pods.

DCE lists a Job as Waiting, Executing, Completed, Deleting or Exception (dce-scope §7); DESIGN adds
Failed and Suspended, which Kubernetes reports and a user needs to tell apart. Nothing is stored:
the Job's conditions decide a finished or suspended Job, its pods decide the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ._kube import Manifest

__all__ = [
    "CLUSTER_UNREACHABLE",
    "STUCK_CONTAINER_REASONS",
    "UNSCHEDULABLE",
    "JobStatus",
    "StatusCode",
    "condition",
    "is_finished",
    "job_status",
]

CLUSTER_UNREACHABLE = "ClusterUnreachable"
UNSCHEDULABLE = "Unschedulable"
POD_STATUS_UNKNOWN = "PodStatusUnknown"

# Waiting reasons a container does not leave without someone fixing the image, the command or a
# referenced ConfigMap/Secret. ContainerCreating and PodInitializing pass on their own: Waiting.
STUCK_CONTAINER_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "ErrImageNeverPull",
        "ErrImagePull",
        "ImageInspectError",
        "ImagePullBackOff",
        "InvalidImageName",
        "PostStartHookError",
        "PreStartHookError",
        "RunContainerError",
    }
)


class StatusCode(StrEnum):
    WAITING = "Waiting"
    EXECUTING = "Executing"
    COMPLETED = "Completed"
    FAILED = "Failed"
    SUSPENDED = "Suspended"
    DELETING = "Deleting"
    EXCEPTION = "Exception"


@dataclass(frozen=True)
class JobStatus:
    """``reason`` is a Kubernetes reason (``BackoffLimitExceeded``, ``ImagePullBackOff``) or ours
    (``ClusterUnreachable``); ``message`` is the cluster's own words, for the tooltip."""

    code: StatusCode
    reason: str | None = None
    message: str | None = None


def condition(job: Manifest, condition_type: str) -> Manifest | None:
    """The Job's condition of that type, if it is True."""
    for found in (job.get("status") or {}).get("conditions") or []:
        if found.get("type") == condition_type and found.get("status") == "True":
            return dict(found)
    return None


def is_finished(job: Manifest) -> bool:
    return condition(job, "Complete") is not None or condition(job, "Failed") is not None


# Terminal conditions first; the interim ones (v1.31+) already decide the outcome while the
# last pods terminate, so the console need not show Executing for those seconds.
_OUTCOMES = (
    ("Complete", StatusCode.COMPLETED),
    ("Failed", StatusCode.FAILED),
    ("SuccessCriteriaMet", StatusCode.COMPLETED),
    ("FailureTarget", StatusCode.FAILED),
)


def job_status(job: Manifest, pods: Iterable[Manifest], cluster_reachable: bool = True) -> JobStatus:
    """``pods`` are the Job's own pods; finished and terminating ones are allowed and looked past."""
    if not cluster_reachable:
        return JobStatus(StatusCode.EXCEPTION, CLUSTER_UNREACHABLE)
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return JobStatus(StatusCode.DELETING)
    for condition_type, code in _OUTCOMES:
        decided = condition(job, condition_type)
        if decided is not None:
            return JobStatus(code, decided.get("reason") or None, decided.get("message") or None)
    # The spec, not the Suspended condition: the condition lags behind a suspend or resume by a
    # controller sync, and the user should see what they just asked for.
    if (job.get("spec") or {}).get("suspend"):
        suspended = condition(job, "Suspended") or {}
        return JobStatus(StatusCode.SUSPENDED, suspended.get("reason") or None, suspended.get("message") or None)
    live = [pod for pod in pods if _is_live(pod)]
    for pod in live:
        trouble = _trouble(pod)
        if trouble is not None:
            return trouble
    if any((pod.get("status") or {}).get("phase") == "Running" for pod in live) or _has_run(job):
        return JobStatus(StatusCode.EXECUTING)
    return JobStatus(StatusCode.WAITING, _waiting_reason(live))


def _is_live(pod: Manifest) -> bool:
    finished = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
    return not finished and not (pod.get("metadata") or {}).get("deletionTimestamp")


def _has_run(job: Manifest) -> bool:
    """Started and past its first pod: between pods (a retry's backoff, the next completion) it is still executing."""
    status = job.get("status") or {}
    finished_pods = (status.get("succeeded") or 0) + (status.get("failed") or 0)
    return bool(status.get("startTime")) and (finished_pods > 0 or (status.get("ready") or 0) > 0)


def _containers(pod: Manifest) -> list[Manifest]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def _trouble(pod: Manifest) -> JobStatus | None:
    name = (pod.get("metadata") or {}).get("name", "")
    status = pod.get("status") or {}
    if status.get("phase") == "Unknown":
        return JobStatus(StatusCode.EXCEPTION, status.get("reason") or POD_STATUS_UNKNOWN, _pod_message(name, status))
    for container in _containers(pod):
        waiting = (container.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in STUCK_CONTAINER_REASONS:
            detail = waiting.get("message") or waiting["reason"]
            return JobStatus(StatusCode.EXCEPTION, waiting["reason"], f"{name}/{container.get('name', '')}: {detail}")
    for pod_condition in status.get("conditions") or []:
        if (
            pod_condition.get("type") == "PodScheduled"
            and pod_condition.get("status") == "False"
            and pod_condition.get("reason") == UNSCHEDULABLE
        ):
            return JobStatus(StatusCode.EXCEPTION, UNSCHEDULABLE, _pod_message(name, pod_condition))
    return None


def _pod_message(pod_name: str, source: Manifest) -> str:
    return f"{pod_name}: {source['message']}" if source.get("message") else pod_name


def _waiting_reason(live: list[Manifest]) -> str | None:
    """Why the first pod is not running yet, when the cluster said (ContainerCreating, SchedulingGated)."""
    for pod in live:
        for container in _containers(pod):
            reason = ((container.get("state") or {}).get("waiting") or {}).get("reason")
            if reason:
                return str(reason)
        for pod_condition in (pod.get("status") or {}).get("conditions") or []:
            if pod_condition.get("type") == "PodScheduled" and pod_condition.get("status") == "False":
                return pod_condition.get("reason") or None
    return None
