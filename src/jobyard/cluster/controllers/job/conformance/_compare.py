"""Comparing what a sync did with a case's ``expect``: one mismatch message per differing field."""

from __future__ import annotations

import re
from typing import Any

from .._indexes import COMPLETION_INDEX
from .._per_index import FAILURE_COUNT, IGNORED_FAILURE_COUNT
from ._build import STATUS_KEYS, CaseError, check_keys, instant

__all__ = [
    "compare_conditions",
    "compare_created_annotations",
    "compare_pod_shape",
    "compare_status",
    "duration",
    "mismatch",
]

Obj = dict[str, Any]

_COUNTERS = ("active", "ready", "succeeded", "failed", "terminating")


def mismatch(field: str, expected: Any, actual: Any) -> str:
    return f"{field} expected {expected!r}, got {actual!r}"


def duration(text: Any) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(text))
    if match is None:
        raise CaseError(f"unknown duration {text!r}")
    return float(match.group(1))


def _uid_placeholder(value: str, pods: list[Obj]) -> str:
    """'<uid of the succeeded pod>' names the one input pod in that phase."""
    match = re.fullmatch(r"<uid of the (\w+) pod>", value)
    if match is None:
        return value
    phase = match.group(1).capitalize()
    uids = [p["metadata"]["uid"] for p in pods if p["status"]["phase"] == phase]
    if len(uids) != 1:
        raise CaseError(f"{value!r} does not name exactly one pod")
    return uids[0]


def compare_status(field: str, expected: Obj, actual: Obj, pods: list[Obj]) -> list[str]:
    check_keys(field, expected, STATUS_KEYS - {"conditions"})
    problems = []
    for key, want in expected.items():
        got = actual.get(key)
        if key in _COUNTERS:
            same = (got or 0) == want
        elif key in ("startTime", "completionTime"):
            want = instant(want)
            same = got == want
        elif key == "completedIndexes":
            same = (got or "") == want
        elif key == "uncountedTerminatedPods":
            check_keys(f"{field}.{key}", want, {"succeeded", "failed"})
            want = {kind: [_uid_placeholder(u, pods) for u in uids] for kind, uids in want.items() if uids}
            got = {kind: uids for kind, uids in (got or {}).items() if uids}
            same = got == want
        else:
            same = got == want
        if not same:
            problems.append(mismatch(f"{field}.{key}", want, got))
    return problems


def compare_conditions(expected: list[Obj], actual: list[Obj]) -> list[str]:
    shown = [{k: c.get(k) for k in ("type", "status", "reason", "message")} for c in actual]
    for position, condition in enumerate(expected):
        check_keys(f"expect.conditions[{position}]", condition, {"type", "status", "reason", "message"})
    wanted = [{k: c.get(k) for k in ("type", "status", "reason", "message")} for c in expected]
    return [] if shown == wanted else [mismatch("conditions", wanted, shown)]


def _env_source(container: Obj, name: str) -> str | None:
    for var in container.get("env") or []:
        if var.get("name") == name:
            field_path = ((var.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
            return f"fieldRef {field_path}" if field_path else repr(var.get("value"))
    return None


def compare_pod_shape(shape: Obj, created: list[Obj]) -> list[str]:
    """Every created pod against a template where '<i>' stands for the pod's own index."""
    check_keys("expect.created_pod_shape", shape, {"generateName", "hostname", "annotations", "labels",
                                                   "env_in_every_container", "finalizers"})  # fmt: skip
    problems = []
    for pod in created:
        meta, spec = pod["metadata"], pod["spec"]
        index = (meta.get("annotations") or {}).get(COMPLETION_INDEX, "?")

        def expand(value: Any, index: str = index) -> Any:
            return value.replace("<i>", index) if isinstance(value, str) else value

        where = f"created pod {meta.get('name')}"
        actual = {
            "generateName": meta.get("generateName"),
            "hostname": spec.get("hostname"),
            "finalizers": meta.get("finalizers"),
        }
        for key in ("generateName", "hostname", "finalizers"):
            if key in shape:
                want = expand(shape[key]) if key != "finalizers" else shape[key]
                if actual[key] != want:
                    problems.append(mismatch(f"{where} {key}", want, actual[key]))
        for key in ("annotations", "labels"):
            for name, value in (shape.get(key) or {}).items():
                got = (meta.get(key) or {}).get(name)
                if got != expand(value):
                    problems.append(mismatch(f"{where} {key}[{name}]", expand(value), got))
        containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
        for env_name, source in (shape.get("env_in_every_container") or {}).items():
            for container in containers:
                got = _env_source(container, env_name)
                if got != source:
                    problems.append(mismatch(f"{where} container {container.get('name')} env {env_name}", source, got))
    return problems


def compare_created_annotations(expected: Obj, created: list[Obj]) -> list[str]:
    """Per-index failure-count annotations of the pod created for each index, exactly."""
    by_index = {(p["metadata"].get("annotations") or {}).get(COMPLETION_INDEX): p for p in created}
    problems = []
    for index, wanted in expected.items():
        pod = by_index.get(str(index))
        if pod is None:
            problems.append(f"created_annotations: no pod was created for index {index}")
            continue
        got = pod["metadata"].get("annotations") or {}
        for name in {*wanted, FAILURE_COUNT, IGNORED_FAILURE_COUNT}:
            if got.get(name) != wanted.get(name):
                problems.append(mismatch(f"created_annotations[{index}][{name}]", wanted.get(name), got.get(name)))
    return problems
