"""Job conditions: upserted by type, with upstream's reasons and messages."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.clock import format_time

__all__ = [
    "BACKOFF_LIMIT_EXCEEDED",
    "COMPLETIONS_REACHED",
    "DEADLINE_EXCEEDED",
    "FAILED_INDEXES",
    "MAX_FAILED_INDEXES_EXCEEDED",
    "find_true",
    "new_condition",
    "upsert_condition",
]

Obj = dict[str, Any]

COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
MAX_FAILED_INDEXES_EXCEEDED = (
    "MaxFailedIndexesExceeded",
    "Job has exceeded the specified maximal number of failed indexes",
)
FAILED_INDEXES = ("FailedIndexes", "Job has failed indexes")


def new_condition(kind: str, status: str, reason: str, message: str, now: float) -> Obj:
    when = format_time(now)
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastProbeTime": when,
        "lastTransitionTime": when,
    }


def find_true(conditions: list[Obj], kind: str) -> Obj | None:
    for condition in conditions:
        if condition.get("type") == kind and condition.get("status") == "True":
            return condition
    return None


def upsert_condition(conditions: list[Obj], condition: Obj) -> bool:
    """Overwrite the condition of that type if it differs; append it unless it is False."""
    for position, existing in enumerate(conditions):
        if existing.get("type") == condition["type"]:
            same = all(existing.get(k) == condition[k] for k in ("status", "reason", "message"))
            if not same:
                conditions[position] = dict(condition)
            return not same
    if condition["status"] == "False":
        return False
    conditions.append(dict(condition))
    return True
