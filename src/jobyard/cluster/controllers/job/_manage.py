"""manageJob: how many pods to delete or create so the Job has the active pods it wants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._context import SyncContext
from ._failure import backoff_delay_remaining
from ._indexes import completion_index, contains, with_indexes
from ._per_index import indexes_creatable_now, replacement_failure_counts
from ._plan import Deletion, PodCreation
from ._pod_template import new_pod
from ._pods import is_ready, is_terminating, meta, removal_order

__all__ = ["MAX_POD_WRITES_PER_SYNC", "Managed", "manage_job"]

Obj = dict[str, Any]

# Creations and deletions per sync, so that one big Job cannot starve the others.
MAX_POD_WRITES_PER_SYNC = 500


@dataclass(frozen=True)
class Managed:
    """Pod writes, with counters that assume every one of them succeeds."""

    active: int
    removed: int = 0
    removed_ready: int = 0
    deletions: tuple[Deletion, ...] = ()
    creations: tuple[PodCreation, ...] = ()
    requeue_after: float | None = None


def deletion(pod: Obj, strip_finalizer: bool) -> Deletion:
    return Deletion(meta(pod)["name"], meta(pod).get("uid", ""), is_ready(pod), strip_finalizer)


def _duplicates_and_strays(pods: list[Obj], completions: int) -> tuple[list[Obj], list[Obj]]:
    """Indexed: (pods to remove for a missing/out-of-range/repeated index, the rest)."""
    by_index: dict[int | None, list[Obj]] = {}
    for pod in pods:
        index = completion_index(pod)
        by_index.setdefault(index if index is None or index < completions else -1, []).append(pod)
    remove = by_index.pop(None, []) + by_index.pop(-1, [])
    keep = []
    for index in sorted(i for i in by_index if i is not None):
        group = sorted(by_index[index], key=removal_order)
        remove += group[:-1]
        keep.append(group[-1])
    return remove, keep


def _pods_to_remove(ctx: SyncContext, at_least: int) -> list[Obj]:
    remove: list[Obj] = []
    rest = ctx.active_pods
    if ctx.indexed:
        remove, rest = _duplicates_and_strays(ctx.active_pods, ctx.completions or 0)
    if len(remove) < at_least:
        remove += sorted(rest, key=removal_order)[: at_least - len(remove)]
    return remove


def _delete(ctx: SyncContext, pods: list[Obj], active: int) -> Managed:
    pods = pods[:MAX_POD_WRITES_PER_SYNC]
    return Managed(
        active=active - len(pods),
        removed=len(pods),
        removed_ready=sum(1 for pod in pods if is_ready(pod)),
        deletions=tuple(deletion(pod, strip_finalizer=True) for pod in pods),
    )


def _pending_indexes(ctx: SyncContext, count: int) -> list[int]:
    """The lowest indexes not succeeded, active, failed (or terminating, under policy Failed)."""
    completions = ctx.completions or 0
    busy = [i for i in (completion_index(p) for p in ctx.active_pods) if i is not None]
    taken = with_indexes(ctx.succeeded_indexes, busy)
    if ctx.failed_indexes:
        taken = with_indexes(taken, (i for first, last in ctx.failed_indexes for i in range(first, last + 1)))
    if ctx.only_replace_failed:
        leaving = [completion_index(p) for p in ctx.pods if is_terminating(p)]
        taken = with_indexes(taken, (i for i in leaving if i is not None))
    result: list[int] = []
    candidate = 0
    while candidate < completions and len(result) < count:
        if not contains(taken, candidate):
            result.append(candidate)
        candidate += 1
    return result


def manage_job(ctx: SyncContext) -> Managed:
    active = len(ctx.active_pods)
    if ctx.suspended:
        return _delete(ctx, sorted(ctx.active_pods, key=removal_order), active)
    if ctx.completions is None:
        # Work queue: after the first success, leave what runs running and start nothing.
        want = active if ctx.succeeded > 0 else ctx.parallelism
    else:
        want = max(0, min(ctx.completions - ctx.succeeded, ctx.parallelism))
    to_remove = _pods_to_remove(ctx, max(active - want, 0))
    if to_remove:
        # Never delete and create in one sync; deleting wins.
        return _delete(ctx, to_remove, active)
    leaving = ctx.terminating if ctx.only_replace_failed else 0
    diff = want - leaving - active
    if diff <= 0:
        return Managed(active=active)
    if not ctx.per_index:
        backoff = ctx.backoff
        remaining = backoff_delay_remaining(
            backoff.failures_after_last_success, backoff.last_failure_time, ctx.now, ctx.settings
        )
        if remaining > 0:
            return Managed(active=active, requeue_after=remaining)
    diff = min(diff, MAX_POD_WRITES_PER_SYNC)
    indexes: list[int | None] = [None] * diff
    if ctx.indexed:
        pending = _pending_indexes(ctx, diff)
        if ctx.per_index:
            pending, remaining = indexes_creatable_now(pending, ctx.delayed_per_index, ctx.now, ctx.settings)
            if remaining > 0:
                return Managed(active=active, requeue_after=remaining)
        indexes = list(pending)
    creations = []
    for index in indexes:
        counts = None
        if ctx.per_index and index is not None:
            counts = replacement_failure_counts(ctx.job, ctx.delayed_per_index.get(index))
        creations.append(PodCreation(new_pod(ctx.job, index, counts), index))
    return Managed(active=active + len(creations), creations=tuple(creations))
