import copy
import json

import pytest

from jobyard.cluster.schema import decode, duplicate_fields

JOB = "io.k8s.api.batch.v1.Job"


def job(**spec: object) -> dict:
    pod_spec = {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {"template": {"spec": pod_spec}, **spec},
    }


def with_container_field(key: str, value: object) -> dict:
    obj = job()
    obj["spec"]["template"]["spec"]["containers"][0][key] = value
    return obj


UNKNOWN_CASES = {
    "a valid object has no unknown fields": (job(), []),
    "an unknown top-level field is named by itself": ({**job(), "extra": 1}, ["extra"]),
    "a field unknown to ObjectMeta is reported under metadata": (
        {**job(), "metadata": {"name": "pi", "labelz": {}}},
        ["metadata.labelz"],
    ),
    "array items are indexed with brackets": (
        with_container_field("imagePullPolicyX", "Always"),
        ["spec.template.spec.containers[0].imagePullPolicyX"],
    ),
    "map values are descended with the map key": (
        with_container_field("resources", {"claims": [{"name": "a", "bogus": 1}]}),
        ["spec.template.spec.containers[0].resources.claims[0].bogus"],
    ),
    "keys of a string map are never unknown": (
        {**job(), "metadata": {"name": "pi", "labels": {"anything": "goes"}}},
        [],
    ),
    "quantities in a resource map are values, not fields": (
        with_container_field("resources", {"limits": {"cpu": "1", "memory": 1024}}),
        [],
    ),
    "free-form fields keep whatever they hold": (
        {**job(), "metadata": {"name": "pi", "managedFields": [{"fieldsV1": {"f:spec": {}}}]}},
        [],
    ),
    "every unknown field is reported in document order": (
        {**job(backoffLimitX=1), "statusX": {}},
        ["spec.backoffLimitX", "statusX"],
    ),
    "a null value is skipped": ({**job(), "spec": None}, []),
}


@pytest.mark.parametrize(("obj", "expected"), UNKNOWN_CASES.values(), ids=UNKNOWN_CASES.keys())
def test_unknown_fields(obj: dict, expected: list[str]) -> None:
    assert decode(copy.deepcopy(obj), JOB) == ([], expected)


def test_unknown_fields_of_a_pod_reach_init_containers() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "spec": {"initContainers": [{"name": "a", "imagex": "b"}]}}
    assert decode(pod, "io.k8s.api.core.v1.Pod") == ([], ["spec.initContainers[0].imagex"])


DUPLICATE_CASES = {
    "no repeated key, no duplicate": ('{"a": 1, "b": {"a": 2}}', []),
    "a repeated top-level key is named by itself": ('{"kind": "Job", "kind": "Job"}', ["kind"]),
    "a nested repeated key carries its path": ('{"spec": {"parallelism": 1, "parallelism": 2}}', ["spec.parallelism"]),
    "keys repeated inside array items carry the index": (
        '{"spec": {"containers": [{}, {"name": "a", "name": "b"}]}}',
        ["spec.containers[1].name"],
    ),
    "a key repeated three times is reported once": ('{"a": 1, "a": 2, "a": 3}', ["a"]),
    "duplicates inside an overwritten value are still reported": (
        '{"spec": {"x": 1, "x": 2}, "spec": {}}',
        ["spec", "spec.x"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), DUPLICATE_CASES.values(), ids=DUPLICATE_CASES.keys())
def test_duplicate_fields(text: str, expected: list[str]) -> None:
    assert duplicate_fields(text) == expected


def test_duplicate_fields_accepts_bytes() -> None:
    assert duplicate_fields(b'{"a": 1, "a": 1}') == ["a"]


def test_duplicate_fields_rejects_invalid_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        duplicate_fields("{")
