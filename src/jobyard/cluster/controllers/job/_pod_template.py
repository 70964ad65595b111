"""The pod a Job creates: its template plus owner, tracking finalizer and, for Indexed, the index."""

from __future__ import annotations

import copy
from typing import Any

from ._indexes import COMPLETION_INDEX
from ._per_index import FAILURE_COUNT, IGNORED_FAILURE_COUNT
from ._pods import TRACKING_FINALIZER

__all__ = ["INDEX_ENV", "new_pod"]

Obj = dict[str, Any]

INDEX_ENV = "JOB_COMPLETION_INDEX"
# Upstream keeps generated names to 58 characters, leaving 5 for the random suffix.
_MAX_GENERATE_NAME = 58


def _generate_name(job_name: str, index: int | None) -> str:
    if index is None:
        return f"{job_name}-"
    suffix = f"-{index}-"
    prefix = job_name + suffix
    if len(prefix) > _MAX_GENERATE_NAME:
        prefix = prefix[: _MAX_GENERATE_NAME - len(suffix)] + suffix
    return prefix


def _add_index_env(container: Obj) -> None:
    env = container.setdefault("env", [])
    if any(var.get("name") == INDEX_ENV for var in env):
        return
    field_path = f"metadata.labels['{COMPLETION_INDEX}']"
    env.append({"name": INDEX_ENV, "valueFrom": {"fieldRef": {"fieldPath": field_path}}})


def new_pod(job: Obj, index: int | None, failure_counts: tuple[int, int] | None) -> Obj:
    """A pod for ``job``; ``failure_counts`` only under backoffLimitPerIndex."""
    template = copy.deepcopy(job["spec"]["template"])
    job_meta = job["metadata"]
    meta = template.get("metadata") or {}
    labels = dict(meta.get("labels") or {})
    annotations = dict(meta.get("annotations") or {})
    spec = template.get("spec") or {}
    finalizers = list(meta.get("finalizers") or [])
    if TRACKING_FINALIZER not in finalizers:
        finalizers.append(TRACKING_FINALIZER)
    if index is not None:
        for container in spec.get("initContainers") or []:
            _add_index_env(container)
        for container in spec.get("containers") or []:
            _add_index_env(container)
        annotations[COMPLETION_INDEX] = str(index)
        labels[COMPLETION_INDEX] = str(index)
        spec["hostname"] = f"{job_meta['name']}-{index}"
        if failure_counts is not None:
            failures, ignored = failure_counts
            annotations[FAILURE_COUNT] = str(failures)
            if ignored > 0:
                annotations[IGNORED_FAILURE_COUNT] = str(ignored)
    pod_meta: Obj = {
        "generateName": _generate_name(job_meta["name"], index),
        "namespace": job_meta.get("namespace", ""),
        "labels": labels,
        "finalizers": finalizers,
        "ownerReferences": [
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "name": job_meta["name"],
                "uid": job_meta.get("uid", ""),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if annotations:
        pod_meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}
