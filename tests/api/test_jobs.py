"""batch/v1 Job defaulting and validation as upstream applies them on create and update."""

from __future__ import annotations

import pytest

from .support import assert_status, create, job, jobs_url, store_unchanged

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"


@pytest.mark.parametrize(
    "field, expected",
    [
        ("parallelism", 1),
        ("completions", 1),
        ("backoffLimit", 6),
        ("completionMode", "NonIndexed"),
        ("suspend", False),
        ("podReplacementPolicy", "TerminatingOrFailed"),
    ],
)
def test_job_spec_defaults(api, namespace, field, expected):
    assert create(api, jobs_url(namespace), job())["spec"][field] == expected


def test_parallelism_alone_leaves_completions_unset(api, namespace):
    spec = create(api, jobs_url(namespace), job(parallelism=3))["spec"]
    assert (spec["parallelism"], spec.get("completions")) == (3, None)


def test_completions_alone_defaults_parallelism_to_one(api, namespace):
    spec = create(api, jobs_url(namespace), job(completions=4))["spec"]
    assert (spec["parallelism"], spec["completions"]) == (1, 4)


def test_pod_failure_policy_defaults_replacement_to_failed(api, namespace):
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]}
    spec = create(api, jobs_url(namespace), job(podFailurePolicy=policy))["spec"]
    assert spec["podReplacementPolicy"] == "Failed"


def test_selector_is_generated_from_the_uid(api, namespace):
    created = create(api, jobs_url(namespace), job())
    assert created["spec"]["selector"] == {"matchLabels": {CONTROLLER_UID: created["metadata"]["uid"]}}


def test_template_gets_the_four_job_labels(api, namespace):
    created = create(api, jobs_url(namespace), job("labelled"))
    uid = created["metadata"]["uid"]
    assert created["spec"]["template"]["metadata"]["labels"] == {
        CONTROLLER_UID: uid,
        "batch.kubernetes.io/job-name": "labelled",
        "controller-uid": uid,
        "job-name": "labelled",
    }


def test_job_labels_default_to_the_template_labels(api, namespace):
    created = create(api, jobs_url(namespace), job())
    assert created["metadata"]["labels"] == created["spec"]["template"]["metadata"]["labels"]


def test_status_starts_empty(api, namespace):
    assert create(api, jobs_url(namespace), job())["status"] == {}


def test_template_pod_spec_is_defaulted(api, namespace):
    pod_spec = create(api, jobs_url(namespace), job())["spec"]["template"]["spec"]
    assert (pod_spec["terminationGracePeriodSeconds"], pod_spec["dnsPolicy"]) == (30, "ClusterFirst")
    assert pod_spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def invalid_fields(response) -> list[str]:
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["kind"] == "Job" and status["details"]["group"] == "batch"
    return [cause["field"] for cause in status["details"]["causes"]]


def with_restart_policy(manifest: dict, policy: str) -> dict:
    manifest["spec"]["template"]["spec"]["restartPolicy"] = policy
    return manifest


def manual_selector_that_misses_the_template(manifest: dict) -> dict:
    manifest["spec"]["manualSelector"] = True
    manifest["spec"]["selector"] = {"matchLabels": {"app": "a"}}
    manifest["spec"]["template"]["metadata"] = {"labels": {"app": "b"}}
    return manifest


@pytest.mark.parametrize(
    "manifest, field",
    [
        pytest.param(job(parallelism=-1), "spec.parallelism", id="parallelism must not be negative"),
        pytest.param(job(backoffLimit=-1), "spec.backoffLimit", id="backoffLimit must not be negative"),
        pytest.param(job(completionMode="Sometimes"), "spec.completionMode", id="completionMode is an enum"),
        pytest.param(
            with_restart_policy(job(), "Always"),
            "spec.template.spec.restartPolicy",
            id="restartPolicy must be OnFailure or Never",
        ),
        pytest.param(
            job(completionMode="Indexed", parallelism=2), "spec.completions", id="an Indexed job needs completions"
        ),
        pytest.param(
            manual_selector_that_misses_the_template(job()),
            "spec.template.metadata.labels",
            id="the selector must match the template labels",
        ),
        pytest.param(job("Not_A_Name"), "metadata.name", id="the name must be a DNS subdomain"),
    ],
)
def test_invalid_job_is_422_with_the_field_path(api, namespace, shared_cluster, manifest, field):
    with store_unchanged(shared_cluster):
        response = api.post(jobs_url(namespace), json=manifest)
    assert field in invalid_fields(response)


def test_pod_template_is_immutable(api, namespace, shared_cluster):
    created = create(api, jobs_url(namespace), job())
    created["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    with store_unchanged(shared_cluster):
        response = api.put(jobs_url(namespace, "job"), json=created)
    assert "spec.template" in invalid_fields(response)


def test_completions_are_immutable_for_non_indexed_jobs(api, namespace):
    created = create(api, jobs_url(namespace), job(completions=2))
    created["spec"]["completions"] = 3
    assert "spec.completions" in invalid_fields(api.put(jobs_url(namespace, "job"), json=created))


def test_generated_selector_is_immutable(api, namespace):
    create(api, jobs_url(namespace), job())
    response = api.patch(
        jobs_url(namespace, "job"),
        json={"spec": {"selector": {"matchLabels": {"app": "other"}}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert "spec.selector" in invalid_fields(response)
