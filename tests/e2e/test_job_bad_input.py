"""Bad input around Jobs: invalid specs never reach the Job controller, and pods meddled with still add up."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator

import pytest

from conftest import RunningCluster

from .jobs_support import TRACKING_FINALIZER, JobsApi, job_manifest
from .support import path

NS = "default"


@pytest.fixture
def cluster_config(cluster_config):
    return dataclasses.replace(cluster_config, job_backoff_base_seconds=0.05, job_backoff_cap_seconds=0.2)


@pytest.fixture
def api(cluster: RunningCluster) -> Iterator[JobsApi]:
    client = JobsApi(cluster, NS)
    yield client
    client.close()


def invalid_causes(response) -> list[tuple[str, str]]:
    """(reason, field) of each cause of a 422 Invalid answer about a batch Job."""
    assert response.status_code == 422, response.text
    status = response.json()
    assert (status["reason"], status["details"]["group"], status["details"]["kind"]) == ("Invalid", "batch", "Job")
    return [(cause["reason"], cause["field"]) for cause in status["details"]["causes"]]


def assert_controller_saw_nothing(api: JobsApi) -> None:
    """A valid Job created afterwards gets its pod, and it is the namespace's only one."""
    api.create_job("witness")
    api.wait_active("witness", 1)
    items = api.get(path(NS, "pods"))["items"]
    assert [pod["metadata"]["labels"]["job-name"] for pod in items] == ["witness"]


def with_restart_policy(manifest: dict, policy: str) -> dict:
    manifest["spec"]["template"]["spec"]["restartPolicy"] = policy
    return manifest


FAIL_JOB_ON_42 = {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}
FAIL_INDEX_ON_42 = {"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42]}}


@pytest.mark.parametrize(
    "manifest, cause",
    [
        pytest.param(
            job_manifest("bad", parallelism=-1),
            ("FieldValueInvalid", "spec.parallelism"),
            id="parallelism must not be negative",
        ),
        pytest.param(
            job_manifest("bad", completionMode="Indexed", parallelism=2),
            ("FieldValueRequired", "spec.completions"),
            id="an Indexed job needs completions",
        ),
        pytest.param(
            job_manifest("bad", restart_policy="Always"),
            ("FieldValueRequired", "spec.template.spec.restartPolicy"),
            id="restartPolicy Always is refused",
        ),
        pytest.param(
            job_manifest("bad", restart_policy="OnFailure", podFailurePolicy={"rules": [FAIL_JOB_ON_42]}),
            ("FieldValueInvalid", "spec.template.spec.restartPolicy"),
            id="podFailurePolicy needs restartPolicy Never",
        ),
        pytest.param(
            job_manifest(
                "bad", completionMode="Indexed", completions=2, podFailurePolicy={"rules": [FAIL_INDEX_ON_42]}
            ),
            ("FieldValueInvalid", "spec.podFailurePolicy.rules[0].action"),
            id="FailIndex needs backoffLimitPerIndex",
        ),
    ],
)
def test_invalid_job_is_refused_with_the_field_path_and_never_reaches_the_controller(api, manifest, cause):
    response = api.request("POST", path(NS, "jobs"), manifest, **{"Content-Type": "application/json"})
    assert cause in invalid_causes(response)
    assert not api.exists(path(NS, "jobs", "bad"))
    assert_controller_saw_nothing(api)


def test_template_change_after_creation_is_refused_and_pods_keep_the_old_template(api):
    created = api.create_job("steady", parallelism=1)
    (pod,) = api.wait_active("steady", 1)
    changed = copy.deepcopy(api.job("steady"))
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    response = api.request("PUT", path(NS, "jobs", "steady"), changed, **{"Content-Type": "application/json"})
    assert ("FieldValueInvalid", "spec.template") in invalid_causes(response)
    assert api.job("steady")["spec"]["template"] == created["spec"]["template"]
    # The controller keeps the one pod it made from the original template.
    api.succeed(pod)
    api.wait_finished("steady", "Complete")
    assert [p["spec"]["containers"][0]["image"] for p in api.pods("steady")] == ["busybox"]


def test_pod_force_deleted_behind_the_jobs_back_is_replaced_and_counts_stay_exact(api):
    # With podReplacementPolicy Failed a deleted pod counts only on reaching phase Failed,
    # which this one never does: the final counts are exact whatever the sync timing.
    api.create_job("meddled", completions=2, parallelism=2, podReplacementPolicy="Failed")
    victim, survivor = api.wait_active("meddled", 2)
    response = api.request("DELETE", api.pod_url(victim) + "?gracePeriodSeconds=0")
    assert response.status_code == 200, response.text
    api.merge_patch(api.pod_url(victim), {"metadata": {"finalizers": None}})
    api.wait_gone(api.pod_url(victim))
    pods = api.wait_active("meddled", 2)
    assert victim["metadata"]["uid"] not in {p["metadata"]["uid"] for p in pods}
    for pod in pods:
        api.succeed(pod)
    job = api.wait_finished("meddled", "Complete")
    status = job["status"]
    assert (status["succeeded"], status.get("failed", 0), status["active"]) == (2, 0, 0)
    assert status["uncountedTerminatedPods"] == {}


def test_pod_that_loses_its_finalizer_is_never_counted_and_gets_replaced(api):
    # Upstream counts finished pods through the tracking finalizer only: a pod that lost
    # it finishes unseen, so one more pod is needed to reach the completions.
    api.create_job("untracked", completions=2, parallelism=2)
    lost, kept = api.wait_active("untracked", 2)
    api.merge_patch(api.pod_url(lost), {"metadata": {"finalizers": None}})
    api.succeed(lost)
    api.succeed(kept)
    (extra,) = api.wait_active("untracked", 1)
    assert api.job("untracked")["status"]["succeeded"] == 1
    api.succeed(extra)
    job = api.wait_finished("untracked", "Complete")
    assert job["status"]["succeeded"] == 2
    names = {p["metadata"]["name"] for p in api.pods("untracked")}
    assert names == {p["metadata"]["name"] for p in (lost, kept, extra)}
    assert all(TRACKING_FINALIZER not in (p["metadata"].get("finalizers") or []) for p in api.pods("untracked"))
