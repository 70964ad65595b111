"""Strategic merge patch, case by case as upstream's strategicpatch tests state them."""

import copy
from typing import Any

import pytest

from jobyard.cluster.errors import BadRequest, Invalid
from jobyard.cluster.patching import strategic_merge_patch

POD = "io.k8s.api.core.v1.Pod"
JOB = "io.k8s.api.batch.v1.Job"


def pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def containers(*names_images: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "image": image} for name, image in names_images]


@pytest.mark.parametrize(
    ("spec", "patch", "expected"),
    [
        pytest.param(
            {"containers": containers(("a", "1"), ("b", "1"))},
            {"containers": [{"name": "b", "image": "2"}]},
            {"containers": containers(("a", "1"), ("b", "2"))},
            id="containers merge by name",
        ),
        pytest.param(
            {"containers": containers(("a", "1"))},
            {"containers": [{"name": "c", "image": "1"}]},
            {"containers": containers(("c", "1"), ("a", "1"))},
            id="an unordered new element goes before live ones",
        ),
        pytest.param(
            {"containers": containers(("a", "1"), ("b", "1"))},
            {"containers": [{"name": "a", "$patch": "delete"}]},
            {"containers": containers(("b", "1"))},
            id="element $patch delete removes it by merge key",
        ),
        pytest.param(
            {"containers": containers(("a", "1"), ("b", "1"))},
            {"containers": [{"name": "z", "image": "9"}, {"$patch": "replace"}]},
            {"containers": containers(("z", "9"))},
            id="element $patch replace replaces the list",
        ),
        pytest.param(
            {"containers": [{"name": "a", "env": [{"name": "X", "value": "1"}], "ports": [{"containerPort": 80}]}]},
            {"containers": [{"name": "a", "env": [{"name": "Y", "value": "2"}], "ports": [{"containerPort": 81}]}]},
            {
                "containers": [
                    {
                        "name": "a",
                        "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}],
                        "ports": [{"containerPort": 81}, {"containerPort": 80}],
                    }
                ]
            },
            id="env and ports merge by their keys",
        ),
        pytest.param(
            {"containers": [{"name": "a", "args": ["x", "y"]}]},
            {"containers": [{"name": "a", "args": ["z"]}]},
            {"containers": [{"name": "a", "args": ["z"]}]},
            id="lists without a strategy are replaced",
        ),
        pytest.param(
            {"tolerations": [{"key": "a"}]},
            {"tolerations": [{"key": "b"}]},
            {"tolerations": [{"key": "b"}]},
            id="tolerations have no merge key and are replaced",
        ),
        pytest.param(
            {"volumes": [{"name": "v", "emptyDir": {}}]},
            {"volumes": [{"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}]},
            {"volumes": [{"name": "v", "configMap": {"name": "cm"}}]},
            id="$retainKeys clears the volume source not listed",
        ),
        pytest.param(
            {"nodeSelector": {"a": "1", "b": "2"}},
            {"nodeSelector": {"a": None, "c": "3"}},
            {"nodeSelector": {"b": "2", "c": "3"}},
            id="maps merge and null deletes a key",
        ),
        pytest.param(
            {"nodeSelector": {"a": "1"}},
            {"nodeSelector": {"$patch": "replace", "z": "9"}},
            {"nodeSelector": {"z": "9"}},
            id="map $patch replace replaces the map",
        ),
        pytest.param(
            {"nodeSelector": {"a": "1"}},
            {"nodeSelector": {"$patch": "delete"}},
            {"nodeSelector": {}},
            id="map $patch delete empties the map",
        ),
        pytest.param(
            {"containers": containers(("a", "1"))},
            {"securityContext": {"runAsUser": 1, "runAsGroup": None}},
            {"containers": containers(("a", "1")), "securityContext": {"runAsUser": 1}},
            id="a new value is taken without its nulls",
        ),
        pytest.param(
            {"containers": containers(("a", "1"), ("b", "1"))},
            {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [{"name": "a", "image": "2"}],
            },
            {"containers": containers(("b", "1"), ("a", "2"))},
            id="$setElementOrder orders a merged list",
        ),
    ],
)
def test_strategic_merge_patch_on_pod_spec(
    spec: dict[str, Any], patch: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert strategic_merge_patch(pod(**spec), {"spec": patch}, POD)["spec"] == expected


@pytest.mark.parametrize(
    ("finalizers", "patch", "expected"),
    [
        pytest.param(["a", "b"], {"finalizers": ["b", "c"]}, ["a", "b", "c"], id="primitive merge list is a set"),
        pytest.param(["a", "b"], {"finalizers": ["c"]}, ["c", "a", "b"], id="an unordered new value goes first"),
        pytest.param(
            ["a", "b", "c"],
            {"$deleteFromPrimitiveList/finalizers": ["b"]},
            ["a", "c"],
            id="$deleteFromPrimitiveList removes values",
        ),
        pytest.param(
            ["a", "b"],
            {"$setElementOrder/finalizers": ["a", "c", "b"], "finalizers": ["c"]},
            ["a", "c", "b"],
            id="$setElementOrder places a new value",
        ),
        pytest.param(
            ["a", "b", "c"],
            {"$setElementOrder/finalizers": ["c", "a"], "$deleteFromPrimitiveList/finalizers": ["b"]},
            ["c", "a"],
            id="delete and reorder together",
        ),
        pytest.param(
            ["1", "2", "4"],
            {"$setElementOrder/finalizers": ["1", "2", "3"], "finalizers": ["3"]},
            ["1", "2", "3", "4"],
            id="server-only values keep their place after ordered ones",
        ),
    ],
)
def test_strategic_merge_patch_on_finalizers(finalizers: list[str], patch: dict[str, Any], expected: list[str]) -> None:
    doc = {"metadata": {"name": "j", "finalizers": finalizers}}
    assert strategic_merge_patch(doc, {"metadata": patch}, JOB)["metadata"]["finalizers"] == expected


def test_strategic_merge_patch_merges_job_conditions_by_type() -> None:
    doc = {"status": {"conditions": [{"type": "Complete", "status": "False"}, {"type": "Failed", "status": "False"}]}}
    patch = {"status": {"conditions": [{"type": "Complete", "status": "True"}]}}
    assert strategic_merge_patch(doc, patch, JOB)["status"]["conditions"] == [
        {"type": "Complete", "status": "True"},
        {"type": "Failed", "status": "False"},
    ]


def test_strategic_merge_patch_replaces_unknown_lists_and_merges_unknown_maps() -> None:
    doc = {"spec": {"x-unknown": {"a": 1, "l": [1, 2]}}}
    patch = {"spec": {"x-unknown": {"b": 2, "l": [3]}}}
    assert strategic_merge_patch(doc, patch, JOB)["spec"]["x-unknown"] == {"a": 1, "b": 2, "l": [3]}


def test_strategic_merge_patch_leaves_its_inputs_alone() -> None:
    doc = pod(containers=containers(("a", "1")))
    patch = {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    strategic_merge_patch(doc, patch, POD)
    assert (doc, patch) == (doc_before, patch_before)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        pytest.param(
            {"metadata": {"$retainKeys": "name"}}, "invalid patch format of retainKeys", id="$retainKeys must be a list"
        ),
        pytest.param(
            {"metadata": {"$retainKeys": ["name"], "labels": {"a": "b"}}},
            "invalid patch format of retainKeys",
            id="patched keys must be retained",
        ),
        pytest.param(
            {"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}},
            "invalid patch format of primitive list",
            id="deletion list needs a slash",
        ),
        pytest.param(
            {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
            "invalid patch format of primitive list",
            id="deletion list must be a list",
        ),
        pytest.param(
            {"metadata": {"$setElementOrder/finalizers": "a"}},
            "invalid patch format of setElementOrder list",
            id="order must be a list",
        ),
        pytest.param(
            {"metadata": {"$setElementOrderfinalizers": []}},
            "invalid patch format of setElementOrder list",
            id="order needs a slash",
        ),
        pytest.param(
            {"metadata": {"labels": {"$patch": "merge"}}},
            "unknown patch type: merge in map: map[$patch:merge]",
            id="map $patch merge is unknown",
        ),
        pytest.param(
            {"spec": {"template": {"spec": {"containers": [{"$patch": "merge"}]}}}},
            "merging lists cannot yet be specified in the patch",
            id="list $patch merge is refused",
        ),
        pytest.param(
            {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}},
            "map: map[image:x] does not contain declared merge key: name",
            id="element without merge key",
        ),
        pytest.param(
            {"metadata": {"$setElementOrder/finalizers": ["a", "b"], "finalizers": ["b", "a"]}},
            "The order in patch list:\n[b a]\n doesn't match $setElementOrder list:\n[a b]\n",
            id="patch order must follow the order list",
        ),
    ],
)
def test_strategic_merge_patch_bad_directives_are_bad_requests(patch: dict[str, Any], message: str) -> None:
    doc = {
        "metadata": {"name": "j", "finalizers": ["a"]},
        "spec": {"template": {"spec": {"containers": containers(("a", "1"))}}},
    }
    with pytest.raises(BadRequest) as raised:
        strategic_merge_patch(doc, patch, JOB)
    assert raised.value.message == message


def test_strategic_merge_patch_refuses_lists_of_lists_as_invalid() -> None:
    doc = {"metadata": {"finalizers": [["a"]]}}
    with pytest.raises(Invalid):
        strategic_merge_patch(doc, {"metadata": {"finalizers": [["b"]]}}, JOB)


def test_strategic_merge_patch_body_must_be_an_object() -> None:
    with pytest.raises(BadRequest) as raised:
        strategic_merge_patch({}, [1], JOB)
    assert raised.value.message == "json: cannot unmarshal array into Go value of type map[string]interface {}"


def test_kubectl_apply_three_way_patch_removes_a_container_and_an_env_var() -> None:
    """The shape client-side ``kubectl apply`` sends after a config drops items."""
    live = pod(
        containers=[
            {"name": "a", "image": "1", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
            {"name": "b", "image": "1"},
        ]
    )
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": "a"}],
            "containers": [
                {"name": "a", "$setElementOrder/env": [{"name": "X"}], "env": [{"name": "Y", "$patch": "delete"}]},
                {"name": "b", "$patch": "delete"},
            ],
        }
    }
    assert strategic_merge_patch(live, patch, POD)["spec"] == {
        "containers": [{"name": "a", "image": "1", "env": [{"name": "X", "value": "1"}]}]
    }
