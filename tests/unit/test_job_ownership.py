"""Adoption, release and the orphan finalizer pass."""

from __future__ import annotations

from jobyard.cluster.controllers.job._ownership import (
    adoption_patch,
    classify_pods,
    finalizer_removal_patch,
    needs_finalizer_cleanup,
)

FINALIZER = "batch.kubernetes.io/job-tracking"
JOB = {"metadata": {"name": "pi", "uid": "job-1"}, "spec": {"selector": {"matchLabels": {"app": "pi"}}}}


def _pod(name: str, labels: dict, owner: str | None = None, finalizers: list | None = None) -> dict:
    refs = [{"kind": "Job", "apiVersion": "batch/v1", "uid": owner, "controller": True}] if owner else []
    return {"metadata": {"name": name, "uid": f"uid-{name}", "labels": labels, "ownerReferences": refs,
                         "finalizers": finalizers or []}}  # fmt: skip


def test_matching_orphans_are_adopted_and_unmatching_owned_pods_released() -> None:
    owned = _pod("a", {"app": "pi"}, "job-1")
    orphan = _pod("b", {"app": "pi"})
    strayed = _pod("c", {"app": "other"}, "job-1")
    foreign = _pod("d", {"app": "pi"}, "job-2")
    ownership = classify_pods(JOB, [owned, orphan, strayed, foreign])
    assert ownership.owned == (owned,)
    assert ownership.adopt == (orphan,)
    assert ownership.release == (strayed,)


def test_a_job_being_deleted_adopts_nothing() -> None:
    deleting = {**JOB, "metadata": {**JOB["metadata"], "deletionTimestamp": "2024-01-01T00:00:00Z"}}
    assert classify_pods(deleting, [_pod("b", {"app": "pi"})]).adopt == ()


def test_adoption_adds_controller_reference_and_tracking_finalizer() -> None:
    patch = adoption_patch(JOB, _pod("b", {"app": "pi"}))
    assert patch[1]["value"][0]["uid"] == "job-1"
    assert patch[2] == {"op": "add", "path": "/metadata/finalizers", "value": [FINALIZER]}


def test_finalizer_removal_is_guarded_by_uid_and_position() -> None:
    patch = finalizer_removal_patch(_pod("a", {}, "job-1", ["other", FINALIZER]))
    assert patch == [
        {"op": "test", "path": "/metadata/uid", "value": "uid-a"},
        {"op": "test", "path": "/metadata/finalizers/1", "value": FINALIZER},
        {"op": "remove", "path": "/metadata/finalizers/1"},
    ]
    assert finalizer_removal_patch(_pod("a", {}, "job-1")) is None


def test_orphan_pass_strips_pods_of_gone_or_finished_jobs_only() -> None:
    pod = _pod("a", {"app": "pi"}, "job-1", [FINALIZER])
    assert needs_finalizer_cleanup(pod, None, False)
    assert needs_finalizer_cleanup(pod, JOB, True)
    assert not needs_finalizer_cleanup(pod, JOB, False)
