import pytest

from jobyard.cluster.schema import child, definition, referenced_definitions, resolve

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


def test_child_keeps_markers_written_beside_a_ref() -> None:
    details = child(definition(META + "Status"), "details")
    assert details is not None
    assert details["x-kubernetes-list-type"] == "atomic"
    assert "causes" in details["properties"]


def test_child_does_not_change_the_shared_definition() -> None:
    child(definition(META + "Status"), "details")
    assert "x-kubernetes-list-type" not in definition(META + "StatusDetails")


def test_child_of_a_plain_ref_is_the_definition_itself() -> None:
    assert child(definition("io.k8s.api.batch.v1.Job"), "spec") is definition("io.k8s.api.batch.v1.JobSpec")


CHILD_CASES = {
    "an integer key indexes array items": (
        ("io.k8s.api.core.v1.PodSpec", "containers", 0),
        "io.k8s.api.core.v1.Container",
    ),
    "a map key reaches the value schema": (
        ("io.k8s.api.core.v1.ResourceRequirements", "limits", "cpu"),
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
    ),
}


@pytest.mark.parametrize(("steps", "expected"), CHILD_CASES.values(), ids=CHILD_CASES.keys())
def test_child_walks(steps: tuple, expected: str) -> None:
    node = definition(steps[0])
    for key in steps[1:]:
        node = child(node, key)
    assert node == definition(expected)


def test_child_of_an_unknown_field_is_none() -> None:
    assert child(definition("io.k8s.api.core.v1.PodSpec"), "nonsense") is None


def test_referenced_definitions_is_the_transitive_closure() -> None:
    closure = referenced_definitions(["io.k8s.api.batch.v1.Job"])
    assert {"io.k8s.api.batch.v1.Job", "io.k8s.api.core.v1.Container", META + "ObjectMeta", META + "Time"} <= set(
        closure
    )
    assert "io.k8s.api.apps.v1.Deployment" not in closure
    assert closure == sorted(closure)


def test_resolve_follows_refs() -> None:
    assert resolve({"$ref": "#/$defs/" + META + "Time"})["format"] == "date-time"
