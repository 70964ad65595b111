"""A pod and status API that records every call and fails the ones a case says fail."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from jobyard.cluster.errors import InternalError

from .._plan import Event

__all__ = ["FAULTS", "Faults", "RecordingApi"]

Obj = dict[str, Any]


@dataclass(frozen=True)
class Faults:
    creates_that_succeed: int | None = None  # None: all succeed
    patches_fail: bool = False
    deletes_fail: bool = False


# The phrases job_cases.yaml uses for pod_api_error; an unknown phrase fails the case.
FAULTS = {
    "all pod create/patch calls fail": Faults(creates_that_succeed=0, patches_fail=True),
    "only the first 10 create calls succeed": Faults(creates_that_succeed=10),
    "all pod delete calls fail": Faults(deletes_fail=True),
}


@dataclass
class RecordingApi:
    faults: Faults = Faults()
    create_calls: int = 0
    delete_calls: int = 0
    patch_calls: int = 0
    patches_ok: int = 0
    created: list[Obj] = field(default_factory=list)
    status_writes: list[Obj] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def create_pod(self, pod: Obj) -> Obj:
        self.create_calls += 1
        limit = self.faults.creates_that_succeed
        if limit is not None and self.create_calls > limit:
            raise InternalError("injected create failure")
        created = copy.deepcopy(pod)
        created["metadata"]["name"] = f"{pod['metadata']['generateName']}{self.create_calls:05d}"
        self.created.append(created)
        return created

    def delete_pod(self, name: str, uid: str) -> None:
        self.delete_calls += 1
        if self.faults.deletes_fail:
            raise InternalError("injected delete failure")

    def remove_finalizer(self, name: str, uid: str) -> None:
        self.patch_calls += 1
        if self.faults.patches_fail:
            raise InternalError("injected patch failure")
        self.patches_ok += 1

    def write_status(self, status: Obj) -> None:
        self.status_writes.append(copy.deepcopy(status))

    def record_event(self, event: Event) -> None:
        self.events.append(event)
