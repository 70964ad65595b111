import pytest

from jobyard.cluster.schema import child, definition, patch_strategy

POD_SPEC = definition("io.k8s.api.core.v1.PodSpec")
CONTAINER = definition("io.k8s.api.core.v1.Container")

CASES = {
    "containers merge by name": (child(POD_SPEC, "containers"), (["merge"], "name")),
    "volumes merge by name and retain keys": (child(POD_SPEC, "volumes"), (["merge", "retainKeys"], "name")),
    "container ports merge by containerPort": (child(CONTAINER, "ports"), (["merge"], "containerPort")),
    "env merges by name": (child(CONTAINER, "env"), (["merge"], "name")),
    "args carry no strategy and are replaced": (child(CONTAINER, "args"), ([], None)),
    "a field the schema does not know has no strategy": (child(POD_SPEC, "nonsense"), ([], None)),
    "finalizers merge as a set without a key": (
        child(definition("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "finalizers"),
        (["merge"], None),
    ),
    "a bare strategy string": ({"x-kubernetes-patch-strategy": "replace"}, (["replace"], None)),
    "no node at all": (None, ([], None)),
}


@pytest.mark.parametrize(("node", "expected"), CASES.values(), ids=CASES.keys())
def test_patch_strategy(node: dict | None, expected: tuple) -> None:
    assert patch_strategy(node) == expected
