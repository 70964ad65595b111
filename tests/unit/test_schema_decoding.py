"""The write path's one decoding walk against the three walks it replaced.

``schema.decode`` must give what ``type_errors``, then decoding the nulls, then
dropping the unknown fields gave: the same errors, the same unknown-field paths
in the same order, the same decoded object. The old null and unknown-field walks
(with their skipping of unchanged subtrees) are kept here as the reference;
``type_errors`` is the production one.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobyard.cluster import schema
from jobyard.cluster.schema import ABSENT, decode, definitions, type_errors

MERGE = "application/merge-patch+json"
POD = "io.k8s.api.core.v1.Pod"
JOB = "io.k8s.api.batch.v1.Job"
EVENT = "io.k8s.api.core.v1.Event"
CRD = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
THING = "io.jobyard.test.v1.Thing"
THING_MAP = "io.jobyard.test.v1.ThingMap"
CASES = Path(__file__).parent.parent / "conformance" / "job_cases.yaml"


# The reference: upstream's unknown-field walk as the write path ran it before.


def _unchanged(value: Any, baseline: Any) -> bool:
    return baseline is not ABSENT and type(value) is type(baseline) and value == baseline


def _child(baseline: Any, key: str | int) -> Any:
    if isinstance(key, int):
        return baseline[key] if isinstance(baseline, list) and key < len(baseline) else ABSENT
    return baseline.get(key, ABSENT) if isinstance(baseline, dict) else ABSENT


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _drop_unknown(value: Any, node: dict, path: str, found: list[str], baseline: Any) -> None:
    if _unchanged(value, baseline):
        return
    node = schema.resolve(node)
    if isinstance(value, list):
        items = node.get("items")
        if isinstance(items, dict):
            for index, each in enumerate(value):
                _drop_unknown(each, items, f"{path}[{index}]", found, _child(baseline, index))
        return
    if not isinstance(value, dict) or node.get("x-kubernetes-preserve-unknown-fields"):
        return
    properties = node.get("properties")
    additional = node.get("additionalProperties")
    for key, each in list(value.items()):
        if properties is not None and key in properties:
            _drop_unknown(each, properties[key], _join(path, key), found, _child(baseline, key))
        elif isinstance(additional, dict):
            _drop_unknown(each, additional, _join(path, key), found, _child(baseline, key))
        elif properties is not None:
            found.append(_join(path, key))
            del value[key]


_ZERO_BY_TYPE: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}


def _zero(node: dict | None) -> Any:
    node = schema.resolve(node) if node else {}
    declared = node.get("type")
    types = ({declared} if isinstance(declared, str) else set(declared or ())) - {"null"}
    if "object" in types or node.get("properties"):
        return {}
    if "array" in types:
        return []
    for kind in ("string", "integer", "number", "boolean"):
        if kind in types:
            return _ZERO_BY_TYPE[kind]
    return None


def _decode_nulls(value: Any, node: dict | None, baseline: Any = ABSENT) -> Any:
    if _unchanged(value, baseline):
        return value
    node = schema.resolve(node) if node else None
    if isinstance(value, dict):
        properties = (node or {}).get("properties") or {}
        additional = (node or {}).get("additionalProperties")
        for key in [key for key, item in value.items() if item is None]:
            zero = _zero(additional) if key not in properties and isinstance(additional, dict) else None
            if zero is None:
                del value[key]
            else:
                value[key] = zero
        for key, item in value.items():
            schema_ = properties.get(key) if key in properties else additional if isinstance(additional, dict) else None
            _decode_nulls(item, schema_, _child(baseline, key))
    elif isinstance(value, list):
        items = (node or {}).get("items")
        for index, item in enumerate(value):
            if item is None:
                zero = _zero(items)
                if zero is not None:
                    value[index] = zero
            else:
                _decode_nulls(item, items, _child(baseline, index))
    return value


def decode_nulls(obj: Any, name: str, baseline: Any = ABSENT) -> Any:
    return _decode_nulls(obj, schema.definition(name), baseline)


def unknown_fields(obj: Any, name: str) -> list[str]:
    found: list[str] = []
    _drop_unknown(copy.deepcopy(obj), schema.definition(name), "", found, ABSENT)
    return found


def _reference(obj: Any, name: str, baseline: Any) -> tuple[list[str], list[str], Any]:
    errors = type_errors(obj, name, baseline)
    if errors:
        return errors, [], obj
    decode_nulls(obj, name, baseline)
    found: list[str] = []
    _drop_unknown(obj, schema.definition(name), "", found, baseline)
    return errors, found, obj


def _same(a: Any, b: Any) -> bool:
    """Equal, with equal types all the way down (1, 1.0 and True are three values)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# Objects: hand-written ones, stored ones, the conformance cases' jobs, and variants of them.


def _kubelet_status(phase: str, ready: bool) -> dict:
    ts = "2026-11-27T10:00:00Z"
    state = {"running": {"startedAt": ts}} if phase == "Running" else {"waiting": {"reason": "ContainerCreating"}}
    return {
        "phase": phase,
        "hostIP": "10.0.0.1",
        "hostIPs": [{"ip": "10.0.0.1"}],
        "podIP": "10.1.0.7",
        "podIPs": [{"ip": "10.1.0.7"}],
        "startTime": ts,
        "qosClass": "Burstable",
        "conditions": [
            {"type": kind, "status": str(ready), "lastProbeTime": None, "lastTransitionTime": ts}
            for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
        ],
        "containerStatuses": [
            {
                "name": "main",
                "image": "busybox:1.36",
                "imageID": "",
                "ready": ready,
                "restartCount": 0,
                "started": ready,
                "state": state,
                "lastState": {},
            }
        ],
    }


def _pod(name: str = "p") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "x"}, "annotations": {"a": "b"}},
        "spec": {
            "restartPolicy": "Never",
            "nodeName": "node-1",
            "initContainers": [{"name": "init", "image": "busybox", "args": ["true"]}],
            "containers": [
                {
                    "name": "main",
                    "image": "busybox:1.36",
                    "command": ["sh", "-c", "echo hi"],
                    "env": [{"name": "X", "value": "1"}, {"name": "Y", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": 64}, "limits": {"cpu": 1.5}},
                    "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 3},
                }
            ],
            "volumes": [{"name": "v", "emptyDir": {}}, {"name": "c", "configMap": {"name": "cm", "items": []}}],
            "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}],
            "nodeSelector": {"disk": "ssd"},
            "overhead": {"cpu": "10m"},
        },
        "status": _kubelet_status("Running", True),
    }


def _job(spec: dict, status: dict | None = None) -> dict:
    template = {
        "metadata": {"labels": {"foo": "bar"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]},
    }
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "foobar", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"foo": "bar"}}, "template": template, **spec},
    }
    if status is not None:
        job["status"] = status
    return job


def _conformance_jobs() -> list[dict]:
    cases = yaml.safe_load(CASES.read_text())["cases"]
    jobs = []
    for case in cases:
        spec = case.get("job")
        if not isinstance(spec, dict):
            continue
        status = (case.get("expect") or {}).get("status")
        jobs.append(_job(spec, status if isinstance(status, dict) else None))
    return jobs


def _others() -> list[tuple[dict, str]]:
    return [
        (
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "s"},
                "spec": {"selector": {"a": "b"}, "ports": [{"port": 80, "targetPort": 8080, "name": "http"}]},
            },
            "io.k8s.api.core.v1.Service",
        ),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}, "binaryData": {}},
            "io.k8s.api.core.v1.ConfigMap",
        ),
        (
            {"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "1"}, "type": "Opaque"},
            "io.k8s.api.core.v1.Secret",
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "e"},
                "involvedObject": {"kind": "Pod", "name": "p"},
                "count": 1,
                "reason": "Started",
                "series": {"count": 2, "lastObservedTime": "2026-11-27T10:00:00.000000Z"},
            },
            EVENT,
        ),
        (
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "n"},
                "status": {
                    "capacity": {"cpu": "2", "pods": 110},
                    "conditions": [{"type": "Ready", "status": "True"}],
                    "nodeInfo": {"kubeletVersion": "v1.33.0"},
                },
            },
            "io.k8s.api.core.v1.Node",
        ),
        (
            {"kind": "DeleteOptions", "gracePeriodSeconds": 0, "preconditions": {"uid": "u"}, "dryRun": ["All"]},
            "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        ),
        (
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": "things.example.com"},
                "spec": {
                    "group": "example.com",
                    "names": {"plural": "things", "kind": "Thing"},
                    "scope": "Namespaced",
                    "versions": [
                        {
                            "name": "v1",
                            "served": True,
                            "storage": True,
                            "schema": {
                                "openAPIV3Schema": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                    "properties": {
                                        "spec": {"type": "object", "properties": {"n": {"type": "integer"}}}
                                    },
                                    "default": {"anything": [1, None, {"x": None}]},
                                }
                            },
                        }
                    ],
                },
            },
            CRD,
        ),
        (
            {
                "apiVersion": "test/v1",
                "kind": "Thing",
                "metadata": {"name": "t", "labels": {"a": "b"}},
                "spec": {
                    "replicas": 2,
                    "extra": {"x": None, "y": [None, {"z": None}]},
                    "template": _job({})["spec"]["template"],
                },
                "items": [{"name": "a", "more": {"b": None}}, {"name": "b"}],
                "list": [{"a": 1, "b": 2}, {"a": 2}],
                "data": {"k": {"v": "x", "w": 1}, "l": {"v": None}},
                "counts": {"a": 1, "b": 2},
                "raw": {"apiVersion": "v1", "kind": "Pod", "spec": {"x": None}},
                "both": {"x": "y", "z": ["a", "b"]},
                "empty": {"a": 1},
                "free": {"a": {"b": None}, "c": [None]},
                "untyped": {"a": None},
                "q": "1Gi",
                "ios": 80,
                "num": 1.5,
                "flag": True,
                "matrix": [[1, 2], [3]],
                "anylist": [1, "a", None, {"b": None}],
            },
            THING,
        ),
        ({"apiVersion": "test/v1", "kind": "ThingMap", "known": "x", "a": 1, "b": "two"}, THING_MAP),
    ]


_THING_SCHEMA = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
        "spec": {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
            "properties": {
                "replicas": {"type": "integer", "format": "int32"},
                "template": {"$ref": "#/$defs/io.k8s.api.core.v1.PodTemplateSpec"},
            },
        },
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "properties": {"name": {"type": "string"}},
            },
        },
        "list": {
            "type": "array",
            "x-kubernetes-preserve-unknown-fields": True,
            "items": {"type": "object", "properties": {"a": {"type": "integer"}}},
        },
        "data": {
            "type": "object",
            "additionalProperties": {"type": "object", "properties": {"v": {"type": ["string", "null"]}}},
        },
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "raw": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.runtime.RawExtension"},
        "both": {
            "type": "object",
            "properties": {"x": {"type": "string"}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "empty": {"type": "object", "properties": {}},
        "free": {"type": "object"},
        "untyped": {},
        "q": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"},
        "ios": {"$ref": "#/$defs/io.k8s.apimachinery.pkg.util.intstr.IntOrString"},
        "num": {"type": "number"},
        "flag": {"type": "boolean"},
        "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "anylist": {"type": "array"},
    },
}
_THING_MAP_SCHEMA = {
    "type": "object",
    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "known": {"type": "string"}},
    "additionalProperties": {"type": "integer"},
}

_ODD_VALUES: list[Any] = [
    None,
    "s",
    "",
    0,
    1,
    1.0,
    1.5,
    True,
    False,
    [],
    {},
    [None],
    [1, None, "a"],
    {"k": None},
    {"k": {"n": None, "m": 1}},
    [[None], {"a": None}],
]


def _containers(value: Any, into: list[Any]) -> list[Any]:
    if isinstance(value, dict):
        into.append(value)
        for each in value.values():
            _containers(each, into)
    elif isinstance(value, list):
        into.append(value)
        for each in value:
            _containers(each, into)
    return into


def _mutate(obj: dict, rng: random.Random, steps: int) -> dict:
    obj = copy.deepcopy(obj)
    for _ in range(steps):
        target = rng.choice(_containers(obj, []))
        choice = rng.randrange(6)
        if isinstance(target, dict):
            keys = list(target)
            if choice == 0 and keys:  # a null field or map value
                target[rng.choice(keys)] = None
            elif choice == 1:  # an unknown field (or a new map entry)
                target[f"bogus{rng.randrange(3)}"] = copy.deepcopy(rng.choice(_ODD_VALUES))
            elif choice == 2 and keys:  # a value of another type, maybe
                target[rng.choice(keys)] = copy.deepcopy(rng.choice(_ODD_VALUES))
            elif choice == 3 and keys:  # nested deeper
                key = rng.choice(keys)
                target[key] = [target[key], copy.deepcopy(target[key])] if rng.random() < 0.5 else {"x": target[key]}
            elif choice == 4 and keys:
                del target[rng.choice(keys)]
        elif isinstance(target, list):
            if choice in (0, 1) and target:
                target[rng.randrange(len(target))] = None
            elif choice == 2:
                target.append(copy.deepcopy(rng.choice(_ODD_VALUES)))
            elif choice == 3 and target:
                target.append(copy.deepcopy(rng.choice(target)))
            elif choice == 4 and target:
                target[rng.randrange(len(target))] = copy.deepcopy(rng.choice(_ODD_VALUES))
    return obj


def _retyped(obj: Any, rng: random.Random) -> Any:
    """Equal by ``==`` but with some numbers of another type: 1 and 1.0 and True."""
    if isinstance(obj, dict):
        return {key: _retyped(each, rng) for key, each in obj.items()}
    if isinstance(obj, list):
        return [_retyped(each, rng) for each in obj]
    if type(obj) is int and obj in (0, 1) and rng.random() < 0.5:
        return rng.choice([float(obj), bool(obj)])
    if type(obj) is int and rng.random() < 0.5:
        return float(obj)
    return obj


def _copy(baseline: Any) -> Any:
    return baseline if baseline is ABSENT else copy.deepcopy(baseline)  # ABSENT is compared by identity


def _check(obj: Any, name: str, baseline: Any) -> bool:
    """Compare decode with the reference on copies; True when the object decoded without errors."""
    ours, theirs = copy.deepcopy(obj), copy.deepcopy(obj)
    stored, their_stored = _copy(baseline), _copy(baseline)
    errors, unknown = decode(ours, name, stored)
    expected_errors, expected_unknown, expected = _reference(theirs, name, their_stored)
    assert errors == expected_errors, (obj, baseline)
    assert _same(stored, baseline), "the baseline is left alone"
    if errors:
        return False
    assert unknown == expected_unknown, (obj, baseline)
    assert _same(ours, expected), (obj, baseline)
    if baseline is ABSENT:
        nulls_decoded = decode_nulls(copy.deepcopy(obj), name)
        assert unknown == unknown_fields(nulls_decoded, name)
    return True


@pytest.fixture
def test_definitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(definitions(), THING, _THING_SCHEMA)
    monkeypatch.setitem(definitions(), THING_MAP, _THING_MAP_SCHEMA)


def _stored_objects(in_process: Any) -> list[tuple[dict, str]]:
    """Objects as the registry stores them: defaulted, with managedFields (FieldsV1 is free-form)."""
    client = in_process[0]
    client.create("pods", "default", {**_pod("stored"), "status": {}})
    client.patch(
        "pods", "default", "stored", MERGE, {"status": _kubelet_status("Pending", False)}, subresource="status"
    )
    client.create("jobs.batch", "default", _job({"parallelism": 2, "completions": 3, "manualSelector": True}))
    client.create("configmaps", "default", {"metadata": {"name": "cm"}, "data": {"a": "b"}})
    return [
        (copy.deepcopy(client.peek("pods", "default", "stored")), POD),
        (copy.deepcopy(client.peek("jobs.batch", "default", "foobar")), JOB),
        (copy.deepcopy(client.peek("configmaps", "default", "cm")), "io.k8s.api.core.v1.ConfigMap"),
    ]


def test_decode_is_the_three_walks_it_replaced(in_process: Any, test_definitions: None) -> None:
    rng = random.Random(20261127)
    bases = [(_pod(), POD), *_stored_objects(in_process), *_others()]
    bases += [(job, JOB) for job in _conformance_jobs()]
    decoded = with_unknown = skipped = 0
    for base, name in bases:
        variants = [base] + [_mutate(base, rng, rng.randint(1, 4)) for _ in range(12)]
        for variant in variants:
            baselines = [
                ABSENT,
                base,
                variant,
                _retyped(variant, rng),
                _mutate(variant, rng, 1),
                decode_nulls(copy.deepcopy(variant), name) if not type_errors(variant, name) else base,
                _mutate(base, rng, 2),
            ]
            for baseline in baselines:
                if _check(variant, name, baseline):
                    decoded += 1
                    with_unknown += bool(unknown_fields(decode_nulls(copy.deepcopy(variant), name), name))
                else:
                    skipped += 1
    # The variants reach every outcome.
    assert decoded > 1000 and with_unknown > 300 and skipped > 300, (decoded, with_unknown, skipped)


@pytest.mark.parametrize(
    "obj, baseline, errors, unknown, expected",
    [
        pytest.param(
            {"spec": {"bogus": 1, "parallelism": None}},
            ABSENT,
            [],
            ["spec.bogus"],
            {"spec": {}},
            id="unknown fields dropped, null fields gone",
        ),
        pytest.param(
            {"spec": {"bogus": None}}, ABSENT, [], [], {"spec": {}}, id="a null unknown field is no unknown field"
        ),
        pytest.param(
            {"spec": {"bogus": 1, "parallelism": "x"}},
            ABSENT,
            [
                "json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32",
            ],
            [],
            None,
            id="type errors win",
        ),
        pytest.param(
            {"spec": {"bogus": 1, "template": {"metadata": {"labels": None}}}},
            {"spec": {"bogus": 1, "template": {"metadata": {}}}},
            [],
            [],
            {"spec": {"bogus": 1, "template": {"metadata": {}}}},
            id="unchanged once its nulls are decoded",
        ),
        pytest.param(
            {"spec": {"bogus": 1, "parallelism": 2}},
            {"spec": {"bogus": 1, "parallelism": 1}},
            [],
            ["spec.bogus"],
            {"spec": {"parallelism": 2}},
            id="unknown although stored",
        ),
    ],
)
def test_decode(obj: dict, baseline: Any, errors: list[str], unknown: list[str], expected: Any) -> None:
    assert decode(obj, JOB, baseline) == (errors, unknown)
    if expected is not None:
        assert obj == expected


def test_decode_checks_types_of_an_equal_object() -> None:
    # 1.0 == 1, but a float is no int32: upstream's decoder refuses it.
    stored = {"apiVersion": "v1", "kind": "Event", "count": 1}
    assert decode({**stored, "count": 1.0}, EVENT, stored) == (
        ["json: cannot unmarshal number 1.0 into Go struct field Event.count of type int32"],
        [],
    )
