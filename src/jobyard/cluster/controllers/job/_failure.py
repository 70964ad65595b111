"""Failure rules: podFailurePolicy matching, the backoffLimit tests and the pod-creation backoff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._plan import BackoffRecord, Settings
from ._pods import finished_time, is_failed, meta, phase, restart_count

__all__ = [
    "PolicyMatch",
    "backoff_delay_remaining",
    "fail_job_message",
    "match_pod_failure_policy",
    "next_backoff_record",
    "past_backoff_limit_on_failure",
]

Obj = dict[str, Any]


@dataclass(frozen=True)
class PolicyMatch:
    action: str | None  # None when no rule matched
    counts: bool  # the failure counts towards backoffLimit and status.failed
    message: str | None = None  # set for FailJob


_DEFAULT = PolicyMatch(action=None, counts=True)


def _matching_container(statuses: Sequence[Obj], requirement: Obj) -> Obj | None:
    wanted = requirement.get("containerName")
    codes = requirement.get("values") or []
    for status in statuses:
        terminated = (status.get("state") or {}).get("terminated")
        if terminated is None or (wanted is not None and wanted != status.get("name")):
            continue
        code = terminated.get("exitCode", 0)
        if code == 0:
            continue
        listed = code in codes
        if listed == (requirement.get("operator") == "In"):
            return status
    return None


def _matching_condition(pod: Obj, patterns: Sequence[Obj]) -> Obj | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        for pattern in patterns:
            if condition.get("type") == pattern.get("type") and condition.get("status") == pattern.get(
                "status", "True"
            ):
                return condition
    return None


def match_pod_failure_policy(policy: Obj | None, pod: Obj) -> PolicyMatch:
    """The first rule matching a failed pod; unknown actions fall through to the next rule."""
    if not policy:
        return _DEFAULT
    where = f"{meta(pod).get('namespace', '')}/{meta(pod).get('name', '')}"
    status = pod.get("status") or {}
    for position, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action")
        if rule.get("onExitCodes") is not None:
            requirement = rule["onExitCodes"]
            container = _matching_container(status.get("containerStatuses") or [], requirement)
            if container is None:
                container = _matching_container(status.get("initContainerStatuses") or [], requirement)
            if container is None:
                continue
            code = container["state"]["terminated"]["exitCode"]
            what = f"Container {container.get('name', '')} for pod {where} failed with exit code {code}"
        elif rule.get("onPodConditions") is not None:
            condition = _matching_condition(pod, rule["onPodConditions"])
            if condition is None:
                continue
            what = f"Pod {where} has condition {condition['type']}"
        else:
            continue
        if action == "Ignore":
            return PolicyMatch("Ignore", counts=False)
        if action in ("Count", "FailIndex"):
            return PolicyMatch(action, counts=True)
        if action == "FailJob":
            return PolicyMatch("FailJob", counts=True, message=f"{what} matching FailJob rule at index {position}")
    return _DEFAULT


def fail_job_message(job: Obj, pods: Sequence[Obj], only_replace_failed: bool) -> str | None:
    policy = job["spec"].get("podFailurePolicy")
    if not policy:
        return None
    for pod in pods:
        if is_failed(pod, only_replace_failed):
            message = match_pod_failure_policy(policy, pod).message
            if message is not None:
                return message
    return None


def past_backoff_limit_on_failure(job: Obj, pods: Sequence[Obj]) -> bool:
    """restartPolicy OnFailure: container restarts of live pods reach backoffLimit (any, for 0)."""
    if job["spec"]["template"].get("spec", {}).get("restartPolicy") != "OnFailure":
        return False
    restarts = sum(restart_count(pod) for pod in pods if phase(pod) in ("Running", "Pending"))
    limit = job["spec"].get("backoffLimit", 6)
    return restarts > 0 if limit == 0 else restarts >= limit


def next_backoff_record(
    record: BackoffRecord, new_succeeded: Sequence[Obj], new_failed: Sequence[Obj]
) -> BackoffRecord:
    """Failures since the latest success, and when the latest of them finished."""
    failed_times = sorted(finished_time(pod) for pod in new_failed)
    if not new_succeeded:
        if not failed_times:
            return record
        return BackoffRecord(record.failures_after_last_success + len(failed_times), failed_times[-1])
    last_success = max(finished_time(pod) for pod in new_succeeded)
    later = [when for when in failed_times if when > last_success]
    return BackoffRecord(len(later), later[-1] if later else None)


def backoff_delay_remaining(failures: int, last_failure: float | None, now: float, settings: Settings) -> float:
    """Seconds until pods may be created again: base * 2^(failures-1), capped, minus time since."""
    if failures == 0 or last_failure is None:
        return 0.0
    delay = settings.backoff_base_seconds
    for _ in range(1, failures):
        delay *= 2
        if delay >= settings.backoff_cap_seconds:
            delay = settings.backoff_cap_seconds
            break
    elapsed = now - last_failure
    return 0.0 if delay < elapsed else delay - elapsed
