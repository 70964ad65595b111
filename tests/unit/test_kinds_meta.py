from __future__ import annotations

from typing import Any

import pytest

from jobyard.cluster.kinds import NAMESPACE, POD, SERVICE, validate_object_meta

SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
    r"is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def pod(**meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "default", **meta}}


def details(obj: dict[str, Any], rtype: Any = POD, old: dict[str, Any] | None = None) -> list[str]:
    return [cause.detail() for cause in validate_object_meta(obj, rtype, old)]


def test_valid_metadata_has_no_causes() -> None:
    assert details(pod(labels={"app.kubernetes.io/name": "web"}, annotations={"a": "b"})) == []


CREATE = [
    pytest.param(
        pod(name=""),
        POD,
        "metadata.name: Required value: name or generateName is required",
        id="name is required without generateName",
    ),
    pytest.param(
        pod(name="Web"),
        POD,
        f'metadata.name: Invalid value: "Web": {SUBDOMAIN_ERROR}',
        id="pod names are DNS-1123 subdomains",
    ),
    pytest.param(
        pod(name="a" * 254),
        POD,
        f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters',
        id="subdomains are at most 253 characters",
    ),
    pytest.param(
        {"metadata": {"name": "a.b"}},
        NAMESPACE,
        f'metadata.name: Invalid value: "a.b": {LABEL_ERROR}',
        id="namespace names are DNS-1123 labels",
    ),
    pytest.param(
        pod(name="1web"),
        SERVICE,
        "metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        id="service names are DNS-1035 labels",
    ),
    pytest.param(
        pod(name="", generateName="Web-"),
        POD,
        f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_ERROR}',
        id="generateName must be a valid prefix",
    ),
    pytest.param(
        {"metadata": {"name": "web"}}, POD, "metadata.namespace: Required value", id="namespaced kinds need a namespace"
    ),
    pytest.param(
        {"metadata": {"name": "web", "namespace": "x"}},
        NAMESPACE,
        "metadata.namespace: Forbidden: not allowed on this type",
        id="cluster-scoped kinds have no namespace",
    ),
    pytest.param(
        pod(labels={"-bad": "x"}),
        POD,
        "metadata.labels: Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        id="label keys are qualified names",
    ),
    pytest.param(
        pod(labels={"/x": "x"}),
        POD,
        'metadata.labels: Invalid value: "/x": prefix part must be non-empty',
        id="a label key prefix may not be empty",
    ),
    pytest.param(
        pod(labels={"a/b/c": "x"}),
        POD,
        "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        id="a label key has at most one slash",
    ),
    pytest.param(
        pod(labels={"x": "v" * 64}),
        POD,
        f'metadata.labels: Invalid value: "{"v" * 64}": must be no more than 63 characters',
        id="label values are at most 63 characters",
    ),
    pytest.param(
        pod(labels={"x": "-v"}),
        POD,
        "a valid label must be an empty string or consist of alphanumeric characters",
        id="label values start and end alphanumeric",
    ),
    pytest.param(
        pod(annotations={"bad key": "x"}),
        POD,
        'metadata.annotations: Invalid value: "bad key": name part must consist',
        id="annotation keys are qualified names",
    ),
    pytest.param(
        pod(annotations={"big": "x" * (256 * 1024)}),
        POD,
        "metadata.annotations: Too long: may not be more than 262144 bytes",
        id="annotations total at most 256 KiB",
    ),
    pytest.param(
        pod(finalizers=["bad finalizer"]),
        POD,
        'metadata.finalizers: Invalid value: "bad finalizer": name part must consist',
        id="finalizers are qualified names",
    ),
    pytest.param(
        pod(ownerReferences=[{"apiVersion": "v1", "kind": "Job", "name": "j"}]),
        POD,
        'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty',
        id="owner references need a uid",
    ),
    pytest.param(
        pod(ownerReferences=[{"apiVersion": "", "kind": "Job", "name": "j", "uid": "u"}]),
        POD,
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        id="owner references need an apiVersion",
    ),
    pytest.param(
        pod(
            ownerReferences=[
                {"apiVersion": "v1", "kind": "A", "name": "a", "uid": "1", "controller": True},
                {"apiVersion": "v1", "kind": "B", "name": "b", "uid": "2", "controller": True},
            ]
        ),
        POD,
        'Only one reference can have Controller set to true. Found "true" in references for A/a and B/b',
        id="at most one owner is the controller",
    ),
]


@pytest.mark.parametrize(("obj", "rtype", "expected"), CREATE)
def test_create_rules(obj: dict[str, Any], rtype: Any, expected: str) -> None:
    found = details(obj, rtype)
    assert any(expected in detail for detail in found), found


UPDATE = [
    pytest.param(
        {"name": "other"}, 'metadata.name: Invalid value: "other": field is immutable', id="name is immutable"
    ),
    pytest.param({"uid": "2"}, 'metadata.uid: Invalid value: "2": field is immutable', id="uid is immutable"),
    pytest.param(
        {"creationTimestamp": "2024-01-02T00:00:00Z"},
        'metadata.creationTimestamp: Invalid value: "2024-01-02T00:00:00Z": field is immutable',
        id="creationTimestamp is immutable",
    ),
    pytest.param(
        {"namespace": "other"},
        'metadata.namespace: Invalid value: "other": field is immutable',
        id="namespace is immutable",
    ),
    pytest.param(
        {"generation": 1},
        "metadata.generation: Invalid value: 1: must not be decremented",
        id="generation never decreases",
    ),
]


@pytest.mark.parametrize(("change", "expected"), UPDATE)
def test_update_rules(change: dict[str, Any], expected: str) -> None:
    old = pod(uid="1", creationTimestamp="2024-01-01T00:00:00Z", generation=2)
    new = {"metadata": {**old["metadata"], **change}}
    assert expected in details(new, POD, old)


def test_no_new_finalizers_while_deleting() -> None:
    old = pod(deletionTimestamp="2024-01-01T00:00:00Z")
    new = pod(deletionTimestamp="2024-01-01T00:00:00Z", finalizers=["example.com/f"])
    assert details(new, POD, old) == [
        "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, "
        'found new finalizers []string{"example.com/f"}'
    ]
