"""Running the cases of a job_cases.yaml file against the core, through the shared plan applier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .. import _triggers
from .._apply import apply_plan
from .._indexes import parse_intervals, render_intervals, with_indexes
from .._per_index import FAILURE_COUNT, indexes_creatable_now
from .._plan import Settings
from ..core import sync, track_status
from ._build import NOW, CaseError, build_job, build_memory, build_pods, check_keys, instant
from ._compare import (
    compare_conditions,
    compare_created_annotations,
    compare_pod_shape,
    compare_status,
    duration,
    mismatch,
)
from ._fake_api import FAULTS, RecordingApi

__all__ = ["CaseResult", "run_file"]

Obj = dict[str, Any]

CASE_KEYS = {
    "id", "name", "source", "notes", "upstream_test_asserted", "scope", "input", "job", "pods", "status_before",
    "controller_memory", "pending_expectations", "pod_api_error", "expect",
}  # fmt: skip
SYNC_EXPECT_KEYS = {
    "created", "create_calls", "created_indexes", "created_pod_shape", "created_annotations", "deleted",
    "finalizers_removed", "finalizer_patch_calls", "status_write", "status", "status_writes", "conditions",
    "requeue_after", "sync_error",
}  # fmt: skip
FILE_KEYS = {"meta", "conventions", "cases"}


@dataclass(frozen=True)
class CaseResult:
    case_id: str
    name: str
    problems: tuple[str, ...]


def _run_sync(case: Obj, tracking_only: bool) -> list[str]:
    expect = case["expect"]
    check_keys("expect", expect, SYNC_EXPECT_KEYS)
    job, pods, memory = build_job(case), build_pods(case), build_memory(case)
    fault = case.get("pod_api_error")
    if fault is not None and fault not in FAULTS:
        raise CaseError(f"unknown pod_api_error {fault!r}")
    api = RecordingApi(FAULTS[fault]) if fault else RecordingApi()
    plan = track_status(job, pods, NOW, memory) if tracking_only else sync(job, pods, NOW, memory, Settings())
    applied = apply_plan(plan, api, NOW, memory)
    final = api.status_writes[-1] if api.status_writes else job["status"]
    created_indexes = [p["metadata"].get("annotations", {}).get("batch.kubernetes.io/job-completion-index")
                       for p in api.created]  # fmt: skip
    observed: dict[str, Callable[[], Any]] = {
        "created": lambda: len(api.created),
        "create_calls": lambda: api.create_calls,
        "created_indexes": lambda: [int(i) for i in created_indexes if i is not None],
        "deleted": lambda: api.delete_calls,
        "finalizers_removed": lambda: api.patches_ok,
        "finalizer_patch_calls": lambda: api.patch_calls,
        "requeue_after": lambda: applied.requeue_after,
    }
    problems = []
    for key, want in expect.items():
        if key in observed:
            got = observed[key]()
            if key == "requeue_after":
                want = duration(want)
            if got != want:
                problems.append(mismatch(key, want, got))
        elif key == "status":
            problems += compare_status("status", want, final, pods)
        elif key == "conditions":
            problems += compare_conditions(want, final.get("conditions") or [])
        elif key == "status_write":
            if want != "none":
                raise CaseError(f"unknown status_write {want!r}")
            if api.status_writes:
                problems.append(mismatch("status_write", "none", f"{len(api.status_writes)} write(s)"))
        elif key == "status_writes":
            if len(want) != len(api.status_writes):
                problems.append(mismatch("status_writes (count)", len(want), len(api.status_writes)))
            for n, (wanted, written) in enumerate(zip(want, api.status_writes, strict=False)):
                problems += compare_status(f"status_writes[{n}]", wanted, written, pods)
        elif key == "created_pod_shape":
            problems += compare_pod_shape(want, api.created)
        elif key == "created_annotations":
            problems += compare_created_annotations(want, api.created)
    wants_error = bool(expect.get("sync_error", False))
    if wants_error != (applied.error is not None):
        problems.append(mismatch("sync_error", wants_error, applied.error is not None))
    return problems


def _compare_all(expect: Obj, actual: Obj) -> list[str]:
    return [mismatch(key, want, actual[key]) for key, want in expect.items() if actual[key] != want]


def _run_intervals(case: Obj, merge: bool) -> list[str]:
    given = case["input"]
    check_keys("input", given, {"completedIndexes", "completions"} | ({"new_succeeded_indexes"} if merge else set()))
    check_keys("expect", case["expect"], {"intervals", "rendered"})
    intervals = parse_intervals(given["completedIndexes"], given["completions"])
    if merge:
        intervals = with_indexes(intervals, given["new_succeeded_indexes"])
    actual = {"intervals": [list(pair) for pair in intervals], "rendered": render_intervals(intervals)}
    return _compare_all(case["expect"], actual)


def _run_per_index_backoff(case: Obj) -> list[str]:
    given = case["input"]
    check_keys("input", given, {"indexes_to_add", "last_failed_pod_per_index"})
    check_keys("expect", case["expect"], {"indexes_now", "requeue_after"})
    delayed = {}
    for index, pod in (given.get("last_failed_pod_per_index") or {}).items():
        check_keys(f"input.last_failed_pod_per_index.{index}", pod, {"failure_count", "deletionTimestamp"})
        metadata: Obj = {"name": f"failed-{index}", "annotations": {FAILURE_COUNT: str(pod.get("failure_count", 0))}}
        if pod.get("deletionTimestamp") is not None:
            metadata["deletionTimestamp"] = instant(pod["deletionTimestamp"])
        delayed[int(index)] = {"metadata": metadata, "status": {"phase": "Failed"}}
    ready, remaining = indexes_creatable_now(given["indexes_to_add"], delayed, NOW, Settings())
    problems = []
    if "indexes_now" in case["expect"] and ready != case["expect"]["indexes_now"]:
        problems.append(mismatch("indexes_now", case["expect"]["indexes_now"], ready))
    if "requeue_after" in case["expect"] and remaining != duration(case["expect"]["requeue_after"]):
        problems.append(mismatch("requeue_after", duration(case["expect"]["requeue_after"]), remaining))
    return problems


# Pod events the event-handler cases describe, as (watch event type, old pod, new pod).
_POD_EVENTS = {
    "pod update Running -> Failed (resourceVersion changed)": (
        "MODIFIED",
        {"metadata": {"resourceVersion": "1"}, "status": {"phase": "Running"}},
        {"metadata": {"resourceVersion": "2"}, "status": {"phase": "Failed"}},
    ),
}


def _run_event_handler(case: Obj) -> list[str]:
    check_keys("input", case["input"], {"event"})
    check_keys("expect", case["expect"], {"enqueue_delay"})
    event = case["input"]["event"]
    if event not in _POD_EVENTS:
        raise CaseError(f"unknown event {event!r}")
    delay = _triggers.pod_event_delay(*_POD_EVENTS[event])
    want = duration(case["expect"]["enqueue_delay"])
    return [] if delay == want else [mismatch("enqueue_delay", want, delay)]


_SCOPES: dict[str | None, Callable[[Obj], list[str]]] = {
    None: lambda case: _run_sync(case, tracking_only=False),
    "status-tracking step only": lambda case: _run_sync(case, tracking_only=True),
    "interval parsing helper": lambda case: _run_intervals(case, merge=False),
    "interval merge helper": lambda case: _run_intervals(case, merge=True),
    "per-index backoff helper": _run_per_index_backoff,
    "event handler": _run_event_handler,
}


def run_case(case: Obj) -> CaseResult:
    case_id, name = str(case.get("id", "?")), str(case.get("name", ""))
    try:
        check_keys(f"case {case_id}", case, CASE_KEYS)
        scope = case.get("scope")
        if scope not in _SCOPES:
            raise CaseError(f"unknown scope {scope!r}")
        problems = _SCOPES[scope](case)
    except CaseError as error:
        problems = [f"case not understood: {error}"]
    return CaseResult(case_id, name, tuple(problems))


def run_file(path: Path) -> list[CaseResult]:
    document = yaml.safe_load(path.read_text())
    try:
        check_keys(str(path), document, FILE_KEYS)
    except CaseError as error:
        return [CaseResult(path.name, "file", (f"file not understood: {error}",))]
    return [run_case(case) for case in document.get("cases") or []]
