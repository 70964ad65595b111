"""Server-side apply and managedFields bookkeeping, as structured-merge-diff behaves."""

import copy
from typing import Any

import pytest

from jobyard.cluster.errors import BadRequest, Conflict
from jobyard.cluster.patching import apply, record_update

JOB = "io.k8s.api.batch.v1.Job"
CONFIG_MAP = "io.k8s.api.core.v1.ConfigMap"
T1, T2, T3, T4 = (f"2024-01-0{day}T00:00:00Z" for day in range(1, 5))


def job(
    *, parallelism: int | None = 2, args: list[str] | None = None, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "c", "image": "busybox"}
    if args is not None:
        container["args"] = args
    spec: dict[str, Any] = {"template": {"spec": {"restartPolicy": "Never", "containers": [container]}}}
    if parallelism is not None:
        spec["parallelism"] = parallelism
    metadata: dict[str, Any] = {"name": "j"}
    if labels is not None:
        metadata["labels"] = labels
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": spec}


def entries(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(obj)
    result["metadata"].pop("managedFields", None)
    return result


def test_apply_creates_the_object_with_an_apply_entry_in_fieldsv1() -> None:
    created = apply(None, job(labels={"app": "x"}), "kubectl", False, JOB, T1)
    assert without_managed_fields(created) == job(labels={"app": "x"})
    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "batch/v1",
            "time": T1,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:parallelism": {},
                    "f:template": {
                        "f:spec": {
                            "f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}},
                            "f:restartPolicy": {},
                        }
                    },
                },
            },
        }
    ]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(job(args=["x"]), job(), job(), id="a field no longer applied is removed"),
        pytest.param(job(labels={"a": "1"}), job(), job(), id="an emptied map goes with its last key"),
        pytest.param(job(), job(parallelism=5), job(parallelism=5), id="an applied change is merged"),
        pytest.param(job(parallelism=None), job(), job(), id="a newly applied field is added"),
    ],
)
def test_reapply_by_the_same_manager(first: dict[str, Any], second: dict[str, Any], expected: dict[str, Any]) -> None:
    live = apply(None, first, "kubectl", False, JOB, T1)
    assert without_managed_fields(apply(live, second, "kubectl", False, JOB, T2)) == expected


def test_reapply_keeps_a_field_another_manager_also_owns() -> None:
    live = apply(None, job(args=["x"]), "kubectl", False, JOB, T1)
    live = apply(live, job(args=["x"]), "ci", False, JOB, T2)
    result = apply(live, job(), "kubectl", False, JOB, T3)
    assert result["spec"]["template"]["spec"]["containers"][0]["args"] == ["x"]


def test_reapply_keeps_fields_written_by_an_update() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    edited["metadata"]["annotations"] = {"note": "kept"}
    live = record_update(live, edited, "kubectl-edit", T2, JOB)
    result = apply(live, job(), "kubectl", False, JOB, T3)
    assert result["metadata"]["annotations"] == {"note": "kept"}


def test_apply_conflicts_with_another_managers_value() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    edited["spec"]["parallelism"] = 7
    live = record_update(live, edited, "kubectl-client-side-apply", T2, JOB)
    with pytest.raises(Conflict) as raised:
        apply(live, job(), "kubectl", False, JOB, T3)
    status = raised.value.status()
    assert status["code"] == 409 and status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using batch/v1: .spec.parallelism'
    )
    assert [(c.field, c.reason) for c in raised.value.causes] == [(".spec.parallelism", "FieldManagerConflict")]


def test_apply_of_an_equal_value_shares_ownership_without_conflict() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    shared = apply(live, job(), "ci", False, JOB, T2)
    owners = entries(shared)
    assert "f:parallelism" in owners[("kubectl", "Apply")]["fieldsV1"]["f:spec"]
    assert "f:parallelism" in owners[("ci", "Apply")]["fieldsV1"]["f:spec"]


def test_forced_apply_takes_ownership() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    forced = apply(live, job(parallelism=9), "ci", True, JOB, T2)
    assert forced["spec"]["parallelism"] == 9
    assert "f:parallelism" not in entries(forced)[("kubectl", "Apply")]["fieldsV1"]["f:spec"]
    assert "f:parallelism" in entries(forced)[("ci", "Apply")]["fieldsV1"]["f:spec"]


def test_conflicts_from_several_managers_are_listed_by_manager() -> None:
    live = apply(None, job(labels={"a": "1"}), "alpha", False, JOB, T1)
    live = apply(live, job(labels={"b": "1"}), "beta", False, JOB, T2)
    with pytest.raises(Conflict) as raised:
        apply(live, job(parallelism=3, labels={"a": "2", "b": "2"}), "gamma", False, JOB, T3)
    assert raised.value.message == (
        'Apply failed with 4 conflicts: conflicts with "alpha":\n- .metadata.labels.a\n- .spec.parallelism\n'
        'conflicts with "beta":\n- .metadata.labels.b\n- .spec.parallelism'
    )


def test_apply_without_change_keeps_the_entry_time() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    again = apply(live, job(), "kubectl", False, JOB, T2)
    assert entries(again)[("kubectl", "Apply")]["time"] == T1


def test_first_apply_to_an_object_without_managed_fields_conflicts_with_before_first_apply() -> None:
    with pytest.raises(Conflict) as raised:
        apply(job(parallelism=1), job(parallelism=2), "kubectl", False, JOB, T1)
    assert 'conflict with "before-first-apply" using batch/v1' in raised.value.message


@pytest.mark.parametrize(
    ("applied", "message"),
    [
        pytest.param(
            {**job(), "metadata": {"name": "j", "managedFields": []}},
            "metadata.managedFields must be nil",
            id="managedFields must be absent",
        ),
        pytest.param(
            {**job(), "spec": {"template": {"spec": {"containers": [{"name": "c"}, {"name": "c"}]}}}},
            "failed to create typed patch object (batch/v1, Kind=Job): .spec.template.spec.containers: "
            'duplicate entries for key [name="c"]',
            id="duplicate keys in an associative list",
        ),
    ],
)
def test_apply_refuses_malformed_configurations(applied: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        apply(None, applied, "kubectl", False, JOB, T1)
    assert raised.value.message == message


def test_record_update_on_create_owns_every_field_and_marks_maps() -> None:
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"k": "v"}}
    created = record_update(None, config_map, "kubectl-create", T1, CONFIG_MAP)
    assert created["metadata"]["managedFields"] == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T1,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {".": {}, "f:k": {}}},
        }
    ]


def test_record_update_takes_changed_fields_from_other_managers() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    edited["spec"]["parallelism"] = 4
    updated = record_update(live, edited, "editor", T2, JOB)
    assert entries(updated)[("editor", "Update")]["fieldsV1"] == {"f:spec": {"f:parallelism": {}}}
    assert "f:parallelism" not in entries(updated)[("kubectl", "Apply")]["fieldsV1"]["f:spec"]


def test_record_update_drops_removed_fields_from_every_manager() -> None:
    live = apply(None, job(labels={"a": "1"}), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    del edited["metadata"]["labels"]
    updated = record_update(live, edited, "editor", T2, JOB)
    assert "f:metadata" not in entries(updated)[("kubectl", "Apply")]["fieldsV1"]
    assert ("editor", "Update") not in entries(updated)


def test_record_update_without_change_records_nothing() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    assert record_update(live, copy.deepcopy(live), "editor", T2, JOB) == live


def test_record_update_ignores_reset_fields() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    edited["status"] = {"active": 1}
    updated = record_update(live, edited, "editor", T2, JOB, ignored_fields=frozenset({"status"}))
    assert ("editor", "Update") not in entries(updated)


def test_record_update_honours_managed_fields_cleared_by_the_writer() -> None:
    live = apply(None, job(), "kubectl", False, JOB, T1)
    edited = copy.deepcopy(live)
    edited["metadata"]["managedFields"] = []
    assert "managedFields" not in record_update(live, edited, "editor", T2, JOB)["metadata"]
