"""clean_for_recreate, clean_service_for_clone and editable_patch."""

from __future__ import annotations

import copy

import pytest

from jobyard.console.jobs import InvalidChanges, clean_for_recreate, clean_service_for_clone, editable_patch

from .builders import condition, job, started, with_conditions


def finished_job() -> dict:
    done = with_conditions(started(job(), succeeded=1), condition("Complete", "CompletionsReached"))
    done["metadata"]["managedFields"] = [{"manager": "kubectl", "operation": "Update"}]
    done["metadata"]["labels"] |= {"team": "a", "controller-uid": "x", "batch.kubernetes.io/controller-uid": "x"}
    done["metadata"]["annotations"] = {"jobyard.io/description": "nightly"}
    done["metadata"]["ownerReferences"] = [{"kind": "CronJob", "name": "nightly", "uid": "c"}]
    done["metadata"]["finalizers"] = ["foregroundDeletion", "example.com/keep"]
    done["spec"]["template"]["metadata"]["labels"]["team"] = "a"
    done["spec"]["template"]["metadata"]["creationTimestamp"] = None
    return done


def test_clean_drops_what_the_server_wrote() -> None:
    clean = clean_for_recreate(finished_job())
    assert "status" not in clean
    assert set(clean["metadata"]) == {"name", "namespace", "labels", "annotations", "finalizers"}
    assert "selector" not in clean["spec"]


def test_clean_keeps_user_labels_and_drops_generated_ones_in_job_and_template() -> None:
    clean = clean_for_recreate(finished_job())
    assert clean["metadata"]["labels"] == {"app": "job-01", "team": "a"}
    assert clean["spec"]["template"]["metadata"] == {"labels": {"app": "job-01", "team": "a"}}


def test_clean_keeps_annotations_and_user_finalizers() -> None:
    clean = clean_for_recreate(finished_job())
    assert clean["metadata"]["annotations"] == {"jobyard.io/description": "nightly"}
    assert clean["metadata"]["finalizers"] == ["example.com/keep"]


def test_clean_keeps_the_spec() -> None:
    original = finished_job()
    clean = clean_for_recreate(original)
    assert clean["spec"]["template"]["spec"] == original["spec"]["template"]["spec"]
    assert {k: v for k, v in clean["spec"].items() if k != "template"} == {
        k: v for k, v in original["spec"].items() if k not in ("template", "selector")
    }


def test_clean_keeps_a_manual_selector() -> None:
    manual = job(manualSelector=True, selector={"matchLabels": {"app": "job-01"}})
    assert clean_for_recreate(manual)["spec"]["selector"] == {"matchLabels": {"app": "job-01"}}


def test_clean_leaves_its_argument_alone() -> None:
    original = finished_job()
    kept = copy.deepcopy(original)
    clean_for_recreate(original)
    assert original == kept


def test_clean_service_frees_allocated_addresses_and_node_ports() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "job-01", "namespace": "default", "uid": "s", "resourceVersion": "9"},
        "spec": {
            "type": "NodePort",
            "clusterIP": "10.0.0.7",
            "clusterIPs": ["10.0.0.7"],
            "selector": {"app": "job-01"},
            "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}],
        },
        "status": {"loadBalancer": {}},
    }
    clean = clean_service_for_clone(service)
    assert clean["metadata"] == {"name": "job-01", "namespace": "default"}
    assert clean["spec"] == {
        "type": "NodePort",
        "selector": {"app": "job-01"},
        "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}],
    }


# editable_patch


@pytest.mark.parametrize(
    ("changes", "patch"),
    [
        ({"parallelism": 3}, {"spec": {"parallelism": 3}}),
        ({"activeDeadlineSeconds": 600}, {"spec": {"activeDeadlineSeconds": 600}}),
        ({"activeDeadlineSeconds": None}, {"spec": {"activeDeadlineSeconds": None}}),
        ({"ttlSecondsAfterFinished": 0}, {"spec": {"ttlSecondsAfterFinished": 0}}),
        ({"suspend": True}, {"spec": {"suspend": True}}),
        ({}, {}),
    ],
    ids=["parallelism", "deadline", "no deadline", "ttl", "suspend", "nothing"],
)
def test_editable_fields_become_a_merge_patch(changes: dict, patch: dict) -> None:
    assert editable_patch(job(), changes) == patch


def test_labels_are_the_new_set_removing_the_rest_but_generated_ones() -> None:
    current = job()
    current["metadata"]["labels"] |= {"team": "a", "batch.kubernetes.io/job-name": "job-01"}
    patch = editable_patch(current, {"labels": {"app": "job-01", "tier": "batch"}})
    assert patch == {"metadata": {"labels": {"team": None, "app": "job-01", "tier": "batch"}}}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"completions": 3}, "notEditable"),
        ({"template": {}}, "notEditable"),
        ({"parallelism": -1}, "nonNegativeInteger"),
        ({"parallelism": None}, "nonNegativeInteger"),
        ({"parallelism": True}, "nonNegativeInteger"),
        ({"ttlSecondsAfterFinished": "10"}, "nonNegativeInteger"),
        ({"suspend": "yes"}, "boolean"),
        ({"labels": {"a": 1}}, "labels"),
        ({"labels": ["a"]}, "labels"),
    ],
    ids=lambda value: str(value),
)
def test_anything_else_is_refused_with_a_field_error(changes: dict, code: str) -> None:
    with pytest.raises(InvalidChanges) as refused:
        editable_patch(job(), changes)
    ((field, _),) = changes.items()
    assert [(error.path, error.code) for error in refused.value.errors] == [(field, code)]


def test_every_refused_field_is_reported_at_once_in_the_users_language() -> None:
    with pytest.raises(InvalidChanges) as refused:
        editable_patch(job(), {"completions": 3, "parallelism": 2, "image": "x"}, "zh-CN")
    assert [error.path for error in refused.value.errors] == ["completions", "image"]
    assert refused.value.errors[0].message == "任务创建后不能修改此项；如需修改，请克隆任务。"
