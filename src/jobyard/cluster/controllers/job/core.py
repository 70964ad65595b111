"""The pure decision core: ``sync(job, pods, now, memory) -> Plan``.

One sync of upstream's Job controller, in its order: count finished pods,
decide whether the Job finishes (and why), delete or create pods, then plan
the status writes and finalizer removals. ``pods`` are the pods the Job owns,
as the pod cache shows them; nothing here performs I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from jobyard.cluster.clock import format_time, parse_time

from ._conditions import (
    BACKOFF_LIMIT_EXCEEDED,
    COMPLETIONS_REACHED,
    DEADLINE_EXCEEDED,
    FAILED_INDEXES,
    MAX_FAILED_INDEXES_EXCEEDED,
    find_true,
    new_condition,
    upsert_condition,
)
from ._context import SyncContext
from ._failure import fail_job_message, match_pod_failure_policy, next_backoff_record, past_backoff_limit_on_failure
from ._indexes import completion_index, parse_intervals, total, with_indexes
from ._manage import Managed, deletion, manage_job
from ._per_index import delayed_pods_per_index, failed_indexes
from ._plan import BackoffRecord, Event, Memory, Plan, Settings, Tracking
from ._pods import has_tracking_finalizer, is_active, is_failed, is_ready, is_terminating, meta, phase
from ._status import build_tracking
from ._success_policy import match_success_policy

__all__ = ["JOB_CONTROLLER_NAME", "is_finished", "sync", "track_status"]

Obj = dict[str, Any]

JOB_CONTROLLER_NAME = "kubernetes.io/job-controller"
_COMPLETION_MODES = (None, "NonIndexed", "Indexed")


def is_finished(job: Obj) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return find_true(conditions, "Complete") is not None or find_true(conditions, "Failed") is not None


def _new_finished_pods(ctx: SyncContext) -> tuple[list[Obj], list[Obj]]:
    """Finished pods not yet counted: holding the finalizer, not uncounted, not awaiting removal."""
    succeeded, failed = [], []
    for pod in ctx.pods:
        uid = meta(pod).get("uid", "")
        if not has_tracking_finalizer(pod) or uid in ctx.expected_finalizer_removals:
            continue
        if ctx.indexed:
            index = completion_index(pod)
            if index is None or index >= (ctx.completions or 0):
                continue
        if phase(pod) == "Succeeded" and uid not in ctx.uncounted_succeeded:
            succeeded.append(pod)
        elif is_failed(pod, ctx.only_replace_failed) and uid not in ctx.uncounted_failed:
            failed.append(pod)
    return succeeded, failed


def _failure(reason_message: tuple[str, str], now: float) -> Obj:
    return new_condition("FailureTarget", "True", *reason_message, now)


def _failure_decision(ctx: SyncContext, status: Obj) -> tuple[Obj | None, float | None]:
    """The finish the failure and success rules decide, and a requeue for the deadline."""
    conditions = status.get("conditions") or []
    existing_success = find_true(conditions, "SuccessCriteriaMet")
    if existing_success is not None:
        return copy.deepcopy(existing_success), None
    target = find_true(conditions, "FailureTarget")
    if target is not None:
        return new_condition("Failed", "True", target["reason"], target["message"], ctx.now), None
    message = fail_job_message(ctx.job, ctx.pods, ctx.only_replace_failed)
    if message is not None:
        return _failure(("PodFailurePolicy", message), ctx.now), None
    if ctx.failed > ctx.backoff_limit or past_backoff_limit_on_failure(ctx.job, ctx.pods):
        return _failure(BACKOFF_LIMIT_EXCEEDED, ctx.now), None
    deadline = ctx.spec.get("activeDeadlineSeconds")
    if deadline is None or ctx.suspended or not status.get("startTime"):
        return None, None
    remaining = deadline - (ctx.now - parse_time(status["startTime"]))
    if remaining <= 0:
        return _failure(DEADLINE_EXCEEDED, ctx.now), None
    return None, remaining


def _index_decision(ctx: SyncContext, status: Obj) -> Obj | None:
    """Indexed only: record succeeded/failed indexes; finish on failed indexes or the success policy."""
    completions = ctx.completions or 0
    ctx.prev_succeeded_indexes = parse_intervals(status.get("completedIndexes"), completions)
    done = [
        i
        for pod in ctx.pods
        if phase(pod) == "Succeeded" and has_tracking_finalizer(pod)
        if (i := completion_index(pod)) is not None and i < completions
    ]
    ctx.succeeded_indexes = with_indexes(ctx.prev_succeeded_indexes, done)
    ctx.succeeded = total(ctx.succeeded_indexes)
    finish = None
    if ctx.per_index:
        ctx.failed_indexes = failed_indexes(ctx.job, ctx.pods, completions, ctx.only_replace_failed)
        failed = total(ctx.failed_indexes)
        limit = ctx.spec.get("maxFailedIndexes")
        if limit is not None and failed > limit:
            finish = _failure(MAX_FAILED_INDEXES_EXCEEDED, ctx.now)
        elif failed > 0 and failed + ctx.succeeded >= completions:
            finish = _failure(FAILED_INDEXES, ctx.now)
        active_indexes = {i for p in ctx.active_pods if (i := completion_index(p)) is not None}
        ctx.delayed_per_index = delayed_pods_per_index(
            ctx.pods,
            active_indexes,
            ctx.succeeded_indexes,
            ctx.failed_indexes,
            completions,
            ctx.expected_finalizer_removals,
            ctx.only_replace_failed,
        )
    if finish is None:
        message = match_success_policy(ctx.spec.get("successPolicy"), completions, ctx.succeeded_indexes)
        if message is not None:
            finish = new_condition("SuccessCriteriaMet", "True", "SuccessPolicy", message, ctx.now)
    return finish


def _context(job: Obj, pods: Sequence[Obj], now: float, memory: Memory, settings: Settings) -> SyncContext:
    uncounted = (job.get("status") or {}).get("uncountedTerminatedPods") or {}
    return SyncContext(
        job=job,
        pods=list(pods),
        now=now,
        memory=memory,
        settings=settings,
        active_pods=[p for p in pods if is_active(p)],
        terminating=sum(1 for p in pods if is_terminating(p)),
        uncounted_succeeded=frozenset(uncounted.get("succeeded") or []),
        uncounted_failed=frozenset(uncounted.get("failed") or []),
    )


def _skip(job: Obj, memory: Memory) -> Plan | None:
    managed_by = job["spec"].get("managedBy")
    if managed_by is not None and managed_by != JOB_CONTROLLER_NAME:
        return Plan(skipped=True, memory=memory)
    if is_finished(job):
        return Plan(skipped=True, memory=replace(memory, backoff=BackoffRecord()))
    if job["spec"].get("completionMode") not in _COMPLETION_MODES:
        event = Event("Warning", "UnknownCompletionMode", "Skipped Job sync because completion mode is unknown")
        return Plan(skipped=True, events=(event,), memory=memory)
    return None


def _suspension(ctx: SyncContext, status: Obj) -> tuple[Event, ...]:
    """Upsert Suspended after manageJob ran; a resume restarts startTime (and the deadline clock)."""
    conditions = status.setdefault("conditions", [])
    if ctx.suspended:
        suspended = new_condition("Suspended", "True", "JobSuspended", "Job suspended", ctx.now)
        return (Event("Normal", "Suspended", "Job suspended"),) if upsert_condition(conditions, suspended) else ()
    resumed = new_condition("Suspended", "False", "JobResumed", "Job resumed", ctx.now)
    if not upsert_condition(conditions, resumed):
        return ()
    status["startTime"] = format_time(ctx.now)
    return (Event("Normal", "Resumed", "Job resumed"),)


def _managed_outcome(
    ctx: SyncContext, status: Obj, managed: Managed | None, complete: bool
) -> tuple[Tracking, tuple[Event, ...]]:
    status = copy.deepcopy(status)
    if complete:
        finish = new_condition("SuccessCriteriaMet", "True", *COMPLETIONS_REACHED, ctx.now)
        return build_tracking(ctx, status, finish), ()
    events = _suspension(ctx, status) if managed is not None else ()
    return build_tracking(ctx, status, None), events


def sync(job: Obj, pods: Sequence[Obj], now: float, memory: Memory = Memory(), settings: Settings = Settings()) -> Plan:
    """Decide one sync of ``job`` given the pods it owns; see the module docstring."""
    skipped = _skip(job, memory)
    if skipped is not None:
        return skipped
    ctx = _context(job, pods, now, memory, settings)
    status = copy.deepcopy(job.get("status") or {})
    new_succeeded, new_failed = _new_finished_pods(ctx)
    policy = ctx.spec.get("podFailurePolicy")
    counted_failures = sum(1 for p in new_failed if match_pod_failure_policy(policy, p).counts)
    ctx.succeeded = status.get("succeeded", 0) + len(new_succeeded) + len(ctx.uncounted_succeeded)
    ctx.failed = status.get("failed", 0) + counted_failures + len(ctx.uncounted_failed)
    if not status.get("startTime") and not ctx.suspended:
        status["startTime"] = format_time(now)
    ctx.backoff = next_backoff_record(memory.backoff, new_succeeded, new_failed)
    finish, deadline_requeue = _failure_decision(ctx, status)
    if ctx.indexed:
        index_finish = _index_decision(ctx, status)
        finish = finish or index_finish
    satisfied = memory.expectations.satisfied
    active = len(ctx.active_pods)
    ready = sum(1 for p in ctx.active_pods if is_ready(p))
    events: tuple[Event, ...] = ()
    requeue = deadline_requeue
    expectations = memory.expectations
    fallback: Tracking | None
    if finish is not None:
        deletions = tuple(deletion(pod, strip_finalizer=False) for pod in ctx.active_pods)
        status.update(
            active=0,
            ready=ready - sum(1 for d in deletions if d.ready),
            terminating=ctx.terminating + len(deletions),
        )
        # The finish stands only if every active pod is gone and the cache is up to date.
        tracking = build_tracking(ctx, status, finish if satisfied else None)
        fallback = build_tracking(ctx, status, None) if deletions and satisfied else None
        creations: tuple = ()
    else:
        managed = None
        if satisfied and not meta(job).get("deletionTimestamp"):
            managed = manage_job(ctx)
            active = managed.active
            if managed.requeue_after is not None:
                requeue = managed.requeue_after if requeue is None else min(requeue, managed.requeue_after)
            expectations = replace(expectations, creations=len(managed.creations), deletions=len(managed.deletions))
        status.update(
            active=active,
            ready=ready - (managed.removed_ready if managed else 0),
            terminating=ctx.terminating + (managed.removed if managed else 0),
        )
        if ctx.completions is None:
            complete = ctx.succeeded > 0 and active == 0
        else:
            complete = ctx.succeeded >= ctx.completions and active == 0
        tracking, events = _managed_outcome(ctx, status, managed, complete)
        deletions = managed.deletions if managed else ()
        creations = managed.creations if managed else ()
        fallback = None
        if deletions and complete:
            # Completion needed those pods gone; if a delete fails, the Job is not complete yet.
            fallback, _ = _managed_outcome(ctx, status, managed, False)
    return Plan(
        deletions=deletions,
        creations=creations,
        tracking=tracking,
        tracking_if_deletions_fail=fallback,
        events=events,
        requeue_after=requeue,
        memory=Memory(backoff=ctx.backoff, expectations=expectations),
    )


def track_status(job: Obj, pods: Sequence[Obj], now: float, memory: Memory = Memory()) -> Plan:
    """Only the status-tracking step (upstream's trackJobStatusAndRemoveFinalizers) for the current status.

    Counts finished pods and plans finalizer removals without deciding finishes
    or touching pods; upstream tests this step on its own, and so does the harness.
    """
    ctx = _context(job, pods, now, memory, Settings())
    status = copy.deepcopy(job.get("status") or {})
    if ctx.indexed:
        _index_decision(ctx, status)
    return Plan(tracking=build_tracking(ctx, status, None), memory=memory)
