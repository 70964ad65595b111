"""backoffLimitPerIndex: failure-count annotations, failed indexes and per-index creation backoff."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ._failure import backoff_delay_remaining, match_pod_failure_policy
from ._indexes import Intervals, completion_index, contains, parse_intervals, with_indexes
from ._plan import Settings
from ._pods import finished_time, has_tracking_finalizer, is_failed, meta

__all__ = [
    "FAILURE_COUNT",
    "IGNORED_FAILURE_COUNT",
    "failed_indexes",
    "indexes_creatable_now",
    "replacement_failure_counts",
]

Obj = dict[str, Any]

FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count"
IGNORED_FAILURE_COUNT = "batch.kubernetes.io/job-index-ignored-failure-count"


def _count(pod: Obj, annotation: str) -> int:
    text = (meta(pod).get("annotations") or {}).get(annotation, "0")
    return int(text) if text.isdigit() else 0


def _is_index_failed(job: Obj, pod: Obj, only_replace_failed: bool) -> bool:
    if not is_failed(pod, only_replace_failed):
        return False
    match = match_pod_failure_policy(job["spec"].get("podFailurePolicy"), pod)
    if match.action == "FailIndex":
        return True
    return match.counts and _count(pod, FAILURE_COUNT) >= job["spec"]["backoffLimitPerIndex"]


def failed_indexes(job: Obj, pods: Sequence[Obj], completions: int, only_replace_failed: bool) -> Intervals:
    previous = parse_intervals(job.get("status", {}).get("failedIndexes"), completions)
    new = []
    for pod in pods:
        index = completion_index(pod)
        if index is not None and index < completions and has_tracking_finalizer(pod):
            if _is_index_failed(job, pod, only_replace_failed):
                new.append(index)
    return with_indexes(previous, new)


def replacement_failure_counts(job: Obj, replaced: Obj | None) -> tuple[int, int]:
    """(failure-count, ignored-failure-count) for the pod replacing ``replaced``."""
    if replaced is None:
        return 0, 0
    failures, ignored = _count(replaced, FAILURE_COUNT), _count(replaced, IGNORED_FAILURE_COUNT)
    if match_pod_failure_policy(job["spec"].get("podFailurePolicy"), replaced).counts:
        return failures + 1, ignored
    return failures, ignored + 1


def delayed_pods_per_index(
    pods: Sequence[Obj],
    active_indexes: set[int],
    done: Intervals,
    failed: Intervals,
    completions: int,
    skip_uids: frozenset[str],
    only_replace_failed: bool,
) -> dict[int, Obj]:
    """The newest failed pod of each index with nothing else running, done or failed.

    It keeps its finalizer until a replacement exists, so the replacement can inherit its counts.
    """
    delayed: dict[int, Obj] = {}
    for pod in pods:
        if not has_tracking_finalizer(pod) or meta(pod).get("uid") in skip_uids:
            continue
        if not is_failed(pod, only_replace_failed):
            continue
        index = completion_index(pod)
        if index is None or index >= completions:
            continue
        if index in active_indexes or contains(done, index) or contains(failed, index):
            continue
        current = delayed.get(index)
        if current is None or (meta(current).get("creationTimestamp") or "") < (
            meta(pod).get("creationTimestamp") or ""
        ):
            delayed[index] = pod
    return delayed


def indexes_creatable_now(
    indexes: Iterable[int], delayed: dict[int, Obj], now: float, settings: Settings
) -> tuple[list[int], float]:
    """Indexes whose own backoff has passed; if none, the shortest wait among the others."""
    ready: list[int] = []
    shortest: float | None = None
    for index in indexes:
        last = delayed.get(index)
        remaining = 0.0
        if last is not None:
            failures = _count(last, FAILURE_COUNT) + _count(last, IGNORED_FAILURE_COUNT) + 1
            remaining = backoff_delay_remaining(failures, finished_time(last), now, settings)
        if remaining == 0:
            ready.append(index)
        elif shortest is None or remaining < shortest:
            shortest = remaining
    if ready:
        return ready, 0.0
    return ready, shortest or 0.0
