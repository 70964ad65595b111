"""The wizard's posted fields ↔ the form: pure rules, no server."""

from __future__ import annotations

import pytest

from jobyard.console.forms import JobForm
from jobyard.console.web._wizard_form import apply_row_op, container_tab_of, read_step, split_quantity, step_of


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ("name", 0),
        ("description", 0),
        ("containers", 1),
        ("initContainers[0].image", 1),
        ("containers[1].env[0].name", 1),
        ("service.ports[0].nodePort", 2),
        ("advanced.labels[0].key", 3),
        ("", -1),
    ],
)
def test_each_field_path_belongs_to_the_step_that_shows_it(path, step):
    assert step_of(path) == step


def test_a_container_error_opens_its_container_and_sub_tab():
    assert container_tab_of("containers[1].env[0].name") == ("containers", 1, "env")
    assert container_tab_of("initContainers[0].resources.cpuLimit") == ("initContainers", 0, "basic")
    assert container_tab_of("containers[0].healthChecks.liveness.port") == ("containers", 0, "health")
    assert container_tab_of("name") is None


@pytest.mark.parametrize(
    ("value", "units", "shown"),
    [
        ("512Mi", ("Mi", "Gi"), ("512", "Mi")),
        ("250m", ("", "m"), ("250", "m")),
        ("0.5", ("", "m"), ("0.5", "")),
        ("1e3", ("", "m"), ("1e3", "")),
        (None, ("Mi", "Gi"), ("", "Mi")),
    ],
)
def test_a_quantity_is_split_into_a_number_and_a_unit_only_when_the_unit_is_offered(value, units, shown):
    assert split_quantity(value, units) == shown


def test_an_unchecked_box_is_false_and_a_blank_number_unset_on_the_step_read():
    form = JobForm.model_validate({"containers": [{"name": "c", "privileged": True}]})
    posted = {"containers[0].name": "c", "containers[0].image": "busybox", "containers[0].security.runAsUser": ""}
    read, slips = read_step(1, form, posted, "en")
    assert read.containers[0].privileged is False
    assert read.containers[0].security.run_as_user is None
    assert slips == []


def test_a_word_in_a_number_box_is_a_message_not_a_crash():
    read, slips = read_step(0, JobForm(), {"name": "job-01", "instances": "four"}, "zh-CN")
    assert read.instances == 2
    assert [(slip.path, slip.code) for slip in slips] == [("instances", "wholeNumber")]
    assert slips[0].message == "请输入整数。"


def test_rows_are_added_and_removed_only_in_lists_of_rows():
    form = JobForm.model_validate({"containers": [{"name": "container-1"}]})
    grown = apply_row_op(apply_row_op(form, "add:containers[0].env"), "add:containers")
    assert len(grown.containers[0].env) == 1
    assert [c.name for c in grown.containers] == ["container-1", "container-2"]
    assert apply_row_op(grown, "remove:containers[0].env[0]").containers[0].env == []
    assert apply_row_op(grown, "add:name") == grown
    assert apply_row_op(grown, "remove:containers[0].env[9]") == grown
    assert apply_row_op(JobForm(), "add:service.ports").service is not None
