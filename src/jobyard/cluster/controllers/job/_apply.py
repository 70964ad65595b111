"""Carrying out a Plan through the pod and status API, in upstream's order and with its error handling.

The real shell and the conformance harness both call ``apply_plan``; they differ
only in the ``JobApi`` they pass. A failed pod write is reported back to the
pure core's arithmetic (``Shortfall``, ``settle_*``) rather than decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from jobyard.cluster.errors import NotFound, StatusError

from ._plan import Event, Memory, Plan, PodCreation
from ._status import Shortfall, settle_final, settle_first

__all__ = ["Applied", "JobApi", "apply_plan"]

Obj = dict[str, Any]


class JobApi(Protocol):
    """The writes one sync makes for one Job; each raises ``StatusError`` on failure."""

    def create_pod(self, pod: Obj) -> Obj: ...

    def delete_pod(self, name: str, uid: str) -> None: ...

    def remove_finalizer(self, name: str, uid: str) -> None: ...

    def write_status(self, status: Obj) -> None: ...

    def record_event(self, event: Event) -> None: ...


@dataclass
class Applied:
    memory: Memory
    requeue_after: float | None
    # The first failed write: the sync failed and is retried with rate limiting.
    error: StatusError | None = None
    status_writes: list[Obj] = field(default_factory=list)
    created: list[Obj] = field(default_factory=list)


@dataclass
class _Run:
    api: JobApi
    creations_pending: int
    deletions_pending: int
    errors: list[StatusError] = field(default_factory=list)


def _delete_all(run: _Run, plan: Plan) -> Shortfall:
    undeleted = undeleted_ready = 0
    for doomed in plan.deletions:
        try:
            if doomed.strip_finalizer:
                run.api.remove_finalizer(doomed.name, doomed.uid)
            run.api.delete_pod(doomed.name, doomed.uid)
        except NotFound:
            # Gone already: not a failure, but the cache will show no deletion to observe.
            if doomed.strip_finalizer:
                run.deletions_pending -= 1
            continue
        except StatusError as error:
            undeleted += 1
            # Upstream lowers ready for a finish's deletions even when they fail.
            if doomed.ready and doomed.strip_finalizer:
                undeleted_ready += 1
            run.errors.append(error)
            run.api.record_event(Event("Warning", "FailedDelete", f"Error deleting: {error}"))
            if doomed.strip_finalizer:
                run.deletions_pending -= 1
            continue
        run.api.record_event(Event("Normal", "SuccessfulDelete", f"Deleted pod: {doomed.name}"))
    return Shortfall(undeleted=undeleted, undeleted_ready=undeleted_ready)


def _create_all(run: _Run, creations: tuple[PodCreation, ...], created: list[Obj]) -> int:
    """Slow start: batches of 1, 2, 4, ...; a batch with a failure stops the rest. Returns pods not created."""
    pending = list(creations)
    batch = 1
    uncreated = 0
    while pending:
        chunk, pending = pending[:batch], pending[batch:]
        failed = False
        for creation in chunk:
            try:
                pod = run.api.create_pod(creation.pod)
            except StatusError as error:
                failed = True
                uncreated += 1
                run.errors.append(error)
                run.api.record_event(Event("Warning", "FailedCreate", f"Error creating: {error}"))
                continue
            created.append(pod)
            name = (pod.get("metadata") or {}).get("name", "")
            run.api.record_event(Event("Normal", "SuccessfulCreate", f"Created pod: {name}"))
        if failed:
            uncreated += len(pending)
            break
        batch *= 2
    run.creations_pending -= uncreated
    return uncreated


def apply_plan(plan: Plan, api: JobApi, now: float, previous: Memory) -> Applied:
    """Apply ``plan``; ``previous`` is the memory the plan was computed from."""
    for event in plan.events:
        api.record_event(event)
    if plan.skipped or plan.tracking is None:
        return Applied(memory=plan.memory, requeue_after=plan.requeue_after)
    expectations = plan.memory.expectations
    run = _Run(api, expectations.creations, expectations.deletions)
    applied = Applied(memory=plan.memory, requeue_after=plan.requeue_after)
    shortfall = _delete_all(run, plan)
    shortfall = replace(shortfall, uncreated=_create_all(run, plan.creations, applied.created))
    tracking = plan.tracking
    if shortfall.undeleted and plan.tracking_if_deletions_fail is not None:
        tracking = plan.tracking_if_deletions_fail
    removing = {uid for _, uid in tracking.finalizer_removals}
    awaiting = set(expectations.finalizer_removals) | removing

    def memory(backoff_kept: bool) -> Memory:
        settled = replace(
            expectations,
            creations=run.creations_pending,
            deletions=run.deletions_pending,
            finalizer_removals=frozenset(awaiting),
        )
        # The backoff record is only kept once a status write carrying its failures succeeded.
        backoff = plan.memory.backoff if backoff_kept else previous.backoff
        return Memory(backoff=backoff, expectations=settled)

    status, changed = settle_first(tracking, shortfall)
    if changed:
        try:
            api.write_status(status)
        except StatusError as error:
            awaiting -= removing
            applied.memory, applied.error = memory(False), run.errors[0] if run.errors else error
            return applied
        applied.status_writes.append(status)
    unfinalized: set[str] = set()
    patch_failed = False
    for name, uid in tracking.finalizer_removals:
        try:
            api.remove_finalizer(name, uid)
        except NotFound:
            pass
        except StatusError as error:
            patch_failed = True
            awaiting.discard(uid)
            run.errors.append(error)
            continue
        unfinalized.add(uid)
    final, write, finish_events = settle_final(tracking, status, unfinalized, patch_failed, now)
    if write:
        try:
            api.write_status(final)
        except StatusError as error:
            run.errors.append(error)
            finish_events = ()
        else:
            applied.status_writes.append(final)
    for event in finish_events:
        api.record_event(event)
    applied.memory = memory(True)
    applied.error = run.errors[0] if run.errors else None
    return applied
