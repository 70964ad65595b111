"""Applying a Plan when pod or status writes fail: the core's fallbacks, chosen by the applier."""

from __future__ import annotations

from jobyard.cluster.controllers.job import BackoffRecord, Memory, apply_plan, sync
from jobyard.cluster.controllers.job.conformance._build import NOW, build_job, build_pods
from jobyard.cluster.controllers.job.conformance._fake_api import Faults, RecordingApi
from jobyard.cluster.errors import InternalError


class _StatusRejected(RecordingApi):
    def write_status(self, status: dict) -> None:
        raise InternalError("injected status failure")


def test_a_failed_finish_deletion_postpones_the_failure() -> None:
    case = {"job": {"parallelism": 1, "completions": 1, "backoffLimit": 0},
            "pods": [{"phase": "Failed"}, {"phase": "Running"}]}  # fmt: skip
    plan = sync(build_job(case), build_pods(case), NOW)
    api = RecordingApi(Faults(deletes_fail=True))
    applied = apply_plan(plan, api, NOW, Memory())
    final = api.status_writes[-1]
    assert applied.error is not None
    assert [c["type"] for c in final.get("conditions", [])] == []
    assert final["active"] == 1 and final["terminating"] == 0


def test_the_backoff_record_is_kept_only_after_a_successful_status_write() -> None:
    case = {"job": {"parallelism": 1, "completions": 2}, "pods": [{"phase": "Failed"}]}
    previous = Memory(backoff=BackoffRecord())
    plan = sync(build_job(case), build_pods(case), NOW, previous)
    assert plan.memory.backoff.failures_after_last_success == 1
    applied = apply_plan(plan, _StatusRejected(), NOW, previous)
    assert applied.error is not None
    assert applied.memory.backoff == previous.backoff


def test_failed_creations_lower_the_expectations() -> None:
    case = {"job": {"parallelism": 4, "completions": 4}, "pods": []}
    plan = sync(build_job(case), build_pods(case), NOW)
    assert plan.memory.expectations.creations == 4
    applied = apply_plan(plan, RecordingApi(Faults(creates_that_succeed=1)), NOW, Memory())
    assert applied.memory.expectations.creations == 1
