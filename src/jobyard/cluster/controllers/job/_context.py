"""One sync's view of a Job and its pods, classified once and shared by the decision steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._indexes import Intervals
from ._plan import BackoffRecord, Memory, Settings

__all__ = ["SyncContext"]

Obj = dict[str, Any]

# Upstream's default when backoffLimitPerIndex is set (the API server fills it in).
MAX_INT32 = 2147483647


@dataclass
class SyncContext:
    job: Obj
    pods: list[Obj]
    now: float
    memory: Memory
    settings: Settings
    active_pods: list[Obj]
    terminating: int
    # UIDs already recorded in status.uncountedTerminatedPods.
    uncounted_succeeded: frozenset[str]
    uncounted_failed: frozenset[str]
    # The pod-creation backoff record including this sync's newly finished pods.
    backoff: BackoffRecord = BackoffRecord()
    succeeded: int = 0
    failed: int = 0
    prev_succeeded_indexes: Intervals = ()
    succeeded_indexes: Intervals = ()
    failed_indexes: Intervals | None = None
    delayed_per_index: dict[int, Obj] = field(default_factory=dict)

    @property
    def spec(self) -> Obj:
        return self.job["spec"]

    @property
    def name(self) -> str:
        return self.job["metadata"]["name"]

    @property
    def indexed(self) -> bool:
        return self.spec.get("completionMode") == "Indexed"

    @property
    def completions(self) -> int | None:
        return self.spec.get("completions")

    @property
    def parallelism(self) -> int:
        return self.spec.get("parallelism", 1)

    @property
    def suspended(self) -> bool:
        return bool(self.spec.get("suspend"))

    @property
    def per_index(self) -> bool:
        return self.indexed and self.spec.get("backoffLimitPerIndex") is not None

    @property
    def backoff_limit(self) -> int:
        default = MAX_INT32 if self.spec.get("backoffLimitPerIndex") is not None else 6
        limit = self.spec.get("backoffLimit")
        return default if limit is None else limit

    @property
    def only_replace_failed(self) -> bool:
        """podReplacementPolicy Failed (the API default whenever a podFailurePolicy is set)."""
        policy = self.spec.get("podReplacementPolicy")
        if policy is None:
            policy = "Failed" if self.spec.get("podFailurePolicy") else "TerminatingOrFailed"
        return policy == "Failed"

    @property
    def expected_finalizer_removals(self) -> frozenset[str]:
        return self.memory.expectations.finalizer_removals
