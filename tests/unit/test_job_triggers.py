"""Which events enqueue a Job and how soon: pod events and status-only updates are batched for 1 s."""

from __future__ import annotations

from jobyard.cluster.controllers.job._triggers import controller_job_key, job_event_delay, pod_event_delay


def _pod(rv: str, phase: str = "Running") -> dict:
    return {"metadata": {"resourceVersion": rv}, "status": {"phase": phase}}


def test_pod_update_with_a_new_resource_version_is_batched() -> None:
    assert pod_event_delay("MODIFIED", _pod("1"), _pod("2", "Failed")) == 1.0


def test_pod_update_with_the_same_resource_version_is_ignored() -> None:
    assert pod_event_delay("MODIFIED", _pod("1"), _pod("1")) is None


def test_job_spec_change_syncs_at_once() -> None:
    assert job_event_delay("MODIFIED", {"metadata": {"generation": 1}}, {"metadata": {"generation": 2}}) == 0.0


def test_job_status_only_update_is_batched() -> None:
    assert job_event_delay("MODIFIED", {"metadata": {"generation": 2}}, {"metadata": {"generation": 2}}) == 1.0


def test_job_add_syncs_at_once() -> None:
    assert job_event_delay("ADDED", None, {"metadata": {"generation": 1}}) == 0.0


def test_pod_maps_to_its_controlling_job() -> None:
    ref = {"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "uid": "u", "controller": True}
    pod = {"metadata": {"namespace": "ns", "ownerReferences": [ref]}}
    assert controller_job_key(pod) == "ns/pi"


def test_pod_owned_but_not_controlled_maps_to_no_job() -> None:
    ref = {"apiVersion": "batch/v1", "kind": "Job", "name": "pi", "uid": "u"}
    assert controller_job_key({"metadata": {"namespace": "ns", "ownerReferences": [ref]}}) is None


def test_batch_period_is_a_setting() -> None:
    assert pod_event_delay("MODIFIED", _pod("1"), _pod("2"), batch_seconds=0.25) == 0.25
    assert job_event_delay("MODIFIED", {"metadata": {"generation": 2}}, {"metadata": {"generation": 2}}, 0.25) == 0.25
