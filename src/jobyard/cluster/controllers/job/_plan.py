"""What one sync decides: the Plan, and the per-Job memory it reads and updates.

The core never talks to the API. It returns a Plan that assumes every pod
write succeeds, plus what to do when they do not (``tracking_if_deletions_fail``
and the arithmetic in ``_status.settle_*``); ``_apply.apply_plan`` carries it out
for the real shell and for the conformance harness alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BackoffRecord",
    "Deletion",
    "Event",
    "Expectations",
    "Memory",
    "Plan",
    "PodCreation",
    "Settings",
    "Tracking",
]

Obj = dict[str, Any]


@dataclass(frozen=True)
class Settings:
    """Pod-creation backoff after failures: base doubling up to cap (upstream 10 s and 10 min)."""

    backoff_base_seconds: float = 10.0
    backoff_cap_seconds: float = 600.0


@dataclass(frozen=True)
class BackoffRecord:
    failures_after_last_success: int = 0
    last_failure_time: float | None = None


@dataclass(frozen=True)
class Expectations:
    """Pod writes issued but not yet seen in the pod cache."""

    creations: int = 0
    deletions: int = 0
    finalizer_removals: frozenset[str] = frozenset()

    @property
    def satisfied(self) -> bool:
        return self.creations <= 0 and self.deletions <= 0


@dataclass(frozen=True)
class Memory:
    """The controller's in-memory state for one Job; lost on restart, as upstream's."""

    backoff: BackoffRecord = BackoffRecord()
    expectations: Expectations = Expectations()


@dataclass(frozen=True)
class Event:
    type: str  # Normal | Warning
    reason: str
    message: str


@dataclass(frozen=True)
class PodCreation:
    pod: Obj
    index: int | None


@dataclass(frozen=True)
class Deletion:
    name: str
    uid: str
    ready: bool
    # manageJob strips the finalizer first so the pod is never counted as failed;
    # deleting for a finish keeps it, and the tracking step counts the pod.
    strip_finalizer: bool


@dataclass(frozen=True)
class Tracking:
    """The status-tracking step: the uncounted protocol's two writes and the finalizers between them."""

    prior: Obj
    # Status to write before finalizers come off; counters assume all pod writes succeeded.
    draft: Obj
    # Names and UIDs of pods whose tracking finalizer comes off in this sync.
    finalizer_removals: tuple[tuple[str, str], ...]
    # UIDs of pods that hold the finalizer in the pod cache.
    holding_finalizer: frozenset[str]
    # Failed or Complete, added once nothing is uncounted or terminating.
    terminal: Obj | None
    # The 500-per-sync cap was hit: more to count next time, so no terminal condition yet.
    capped: bool
    # For the TooManySucceededPods warning when the Job completes.
    completions: int | None


@dataclass(frozen=True)
class Plan:
    # Nothing to do for this Job (gone, finished, foreign managedBy, unknown mode).
    skipped: bool = False
    deletions: tuple[Deletion, ...] = ()
    creations: tuple[PodCreation, ...] = ()
    tracking: Tracking | None = None
    tracking_if_deletions_fail: Tracking | None = None
    events: tuple[Event, ...] = ()
    requeue_after: float | None = None
    memory: Memory = field(default_factory=Memory)
