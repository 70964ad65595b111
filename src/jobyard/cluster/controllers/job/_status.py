"""Status tracking with finalizers: the uncounted protocol and the terminal condition.

A finished pod is first recorded in ``uncountedTerminatedPods`` (Indexed
successes go straight into ``completedIndexes``), that status is written, its
finalizer comes off, and a second write moves the UIDs into the counters. A
crash between the steps therefore never counts a pod twice or loses it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ._conditions import find_true, new_condition, upsert_condition
from ._context import SyncContext
from ._failure import match_pod_failure_policy
from ._indexes import completion_index, contains, render_intervals, total, with_indexes
from ._plan import Event, Tracking
from ._pods import has_tracking_finalizer, is_failed, meta, phase

__all__ = ["MAX_UNCOUNTED_PODS", "Shortfall", "build_tracking", "canonical", "settle_final", "settle_first"]

Obj = dict[str, Any]

# UIDs recorded per sync: keeps the status under ~20 KB and big Jobs from starving small ones.
MAX_UNCOUNTED_PODS = 500
# Counters upstream serialises with omitempty; nil and zero mean the same.
_OMITTED_WHEN_EMPTY = ("active", "succeeded", "failed", "completedIndexes", "uncountedTerminatedPods", "conditions")


@dataclass(frozen=True)
class Shortfall:
    """Pod writes that did not happen, as the applier observed them."""

    undeleted: int = 0
    undeleted_ready: int = 0
    uncreated: int = 0


def canonical(status: Obj) -> Obj:
    return {k: v for k, v in status.items() if not (k in _OMITTED_WHEN_EMPTY and v in (0, "", None, {}, []))}


def _uncounted(status: Obj) -> dict[str, list[str]]:
    uncounted = status.get("uncountedTerminatedPods") or {}
    return {"succeeded": list(uncounted.get("succeeded") or []), "failed": list(uncounted.get("failed") or [])}


def _store_uncounted(status: Obj, uncounted: dict[str, list[str]]) -> None:
    status["uncountedTerminatedPods"] = {k: v for k, v in uncounted.items() if v}


def _move_unfinalized(status: Obj, holding: frozenset[str]) -> bool:
    """Count the uncounted pods whose finalizer is gone; True if anything moved."""
    uncounted = _uncounted(status)
    moved = False
    for kind in ("succeeded", "failed"):
        left = [uid for uid in uncounted[kind] if uid in holding]
        if len(left) != len(uncounted[kind]):
            moved = True
            status[kind] = status.get(kind, 0) + len(uncounted[kind]) - len(left)
            uncounted[kind] = left
    _store_uncounted(status, uncounted)
    return moved


def _can_remove_finalizer(ctx: SyncContext, pod: Obj, failed: bool, finish: Obj | None) -> bool:
    if meta(ctx.job).get("deletionTimestamp") or finish is not None or phase(pod) == "Succeeded":
        return True
    if not failed:
        return False
    index = completion_index(pod)
    held = ctx.delayed_per_index.get(index) if index is not None else None
    return held is None or meta(held).get("uid") != meta(pod).get("uid")


def _index_order(pod: Obj) -> int:
    index = completion_index(pod)
    return -1 if index is None else index


def _valid_index(ctx: SyncContext, pod: Obj) -> int | None:
    index = completion_index(pod)
    return index if index is not None and index < (ctx.completions or 0) else None


def build_tracking(ctx: SyncContext, status: Obj, finish: Obj | None) -> Tracking:
    """Which finalizers come off and how those pods are counted; ``finish`` is the pending decision."""
    prior = ctx.job.get("status") or {}
    status = copy.deepcopy(status)
    holding = frozenset(meta(p).get("uid", "") for p in ctx.pods if has_tracking_finalizer(p))
    _move_unfinalized(status, holding)
    uncounted = _uncounted(status)
    failure_pending = finish is not None and finish["type"] != "SuccessCriteriaMet"
    pods = ctx.pods
    if ctx.indexed:
        pods = sorted(pods, key=_index_order)
    removals: list[tuple[str, str]] = []
    new_indexes: list[int] = []
    capped = False
    policy = ctx.spec.get("podFailurePolicy")
    for pod in pods:
        uid = meta(pod).get("uid", "")
        if not has_tracking_finalizer(pod) or uid in ctx.expected_finalizer_removals:
            continue
        failed = is_failed(pod, ctx.only_replace_failed)
        if not _can_remove_finalizer(ctx, pod, failed, finish):
            continue
        removals.append((meta(pod)["name"], uid))
        if phase(pod) == "Succeeded" and uid not in ctx.uncounted_failed:
            if ctx.indexed:
                index = _valid_index(ctx, pod)
                if index is not None and not contains(ctx.prev_succeeded_indexes, index):
                    if not (ctx.failed_indexes and contains(ctx.failed_indexes, index)):
                        new_indexes.append(index)
            elif uid not in ctx.uncounted_succeeded:
                uncounted["succeeded"].append(uid)
        elif failed or failure_pending:
            # A pending failure counts every pod that did not succeed.
            valid = not ctx.indexed or _valid_index(ctx, pod) is not None
            if uid not in ctx.uncounted_failed and valid and match_pod_failure_policy(policy, pod).counts:
                uncounted["failed"].append(uid)
        if len(new_indexes) + len(uncounted["succeeded"]) + len(uncounted["failed"]) >= MAX_UNCOUNTED_PODS:
            capped = True
            break
    _store_uncounted(status, uncounted)
    if ctx.indexed:
        done = with_indexes(ctx.prev_succeeded_indexes, new_indexes)
        status["succeeded"] = total(done)
        status["completedIndexes"] = render_intervals(done)
        if ctx.failed_indexes is not None:
            status["failedIndexes"] = render_intervals(ctx.failed_indexes)
    conditions = status.setdefault("conditions", [])
    terminal = None
    if finish is not None:
        if finish["type"] == "FailureTarget":
            upsert_condition(conditions, finish)
            terminal = {**finish, "type": "Failed"}
        elif finish["type"] == "SuccessCriteriaMet":
            if find_true(conditions, "SuccessCriteriaMet") is None:
                upsert_condition(conditions, finish)
            terminal = {**finish, "type": "Complete"}
        else:
            terminal = finish
    return Tracking(
        prior=prior,
        draft=status,
        finalizer_removals=tuple(removals),
        holding_finalizer=holding,
        terminal=terminal,
        capped=capped,
        completions=ctx.completions,
    )


def settle_first(tracking: Tracking, shortfall: Shortfall) -> tuple[Obj, bool]:
    """The status before finalizers come off, corrected for failed pod writes; and whether it changed."""
    status = copy.deepcopy(tracking.draft)
    status["active"] = status.get("active", 0) + shortfall.undeleted - shortfall.uncreated
    status["terminating"] = status.get("terminating", 0) - shortfall.undeleted
    status["ready"] = status.get("ready", 0) + shortfall.undeleted_ready
    return status, canonical(status) != canonical(tracking.prior)


def settle_final(
    tracking: Tracking, status: Obj, unfinalized: set[str], patch_failed: bool, now: float
) -> tuple[Obj, bool, tuple[Event, ...]]:
    """Count the pods whose finalizer came off and, if nothing is left pending, finish the Job.

    Returns the status, whether it needs writing, and the finish events.
    """
    status = copy.deepcopy(status)
    moved = _move_unfinalized(status, tracking.holding_finalizer - unfinalized)
    if patch_failed or tracking.capped or tracking.terminal is None:
        return status, moved, ()
    if status["uncountedTerminatedPods"] or status.get("terminating", 0) > 0:
        return status, moved, ()
    terminal = tracking.terminal
    condition = new_condition(terminal["type"], "True", terminal["reason"], terminal["message"], now)
    upsert_condition(status.setdefault("conditions", []), condition)
    if terminal["type"] != "Complete":
        return status, True, (Event("Warning", terminal["reason"], terminal["message"]),)
    status["completionTime"] = condition["lastTransitionTime"]
    events = []
    if tracking.completions is not None and status.get("succeeded", 0) > tracking.completions:
        events.append(
            Event("Warning", "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
        )
    events.append(Event("Normal", "Completed", "Job completed"))
    return status, True, tuple(events)
