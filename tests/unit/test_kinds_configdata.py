from __future__ import annotations

import base64
from typing import Any

import pytest

from jobyard.cluster.kinds import CONFIG_MAP, SECRET


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"metadata": {"name": "s", "namespace": "default"}, **fields}
    SECRET.default(body)
    return body


def test_secret_defaults_type_and_folds_string_data() -> None:
    body = secret(data={"a": b64("1")}, stringData={"b": "2", "a": "3"})
    assert body == {
        "metadata": {"name": "s", "namespace": "default"},
        "type": "Opaque",
        "data": {"a": b64("3"), "b": b64("2")},
    }


SECRET_RULES = [
    pytest.param(
        secret(data={"a/b": b64("x")}),
        "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        id="data keys are config keys",
    ),
    pytest.param(
        secret(data={"big": b64("x" * (1024 * 1024 + 1))}),
        "data: Too long: may not be more than 1048576 bytes",
        id="secret data is at most 1 MiB",
    ),
    pytest.param(
        secret(type="kubernetes.io/dockerconfigjson", data={}),
        "data[.dockerconfigjson]: Required value",
        id="dockerconfigjson secrets need .dockerconfigjson",
    ),
    pytest.param(
        secret(type="kubernetes.io/dockerconfigjson", data={".dockerconfigjson": b64("{")}),
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>"',
        id="dockerconfigjson must be JSON",
    ),
    pytest.param(
        secret(type="kubernetes.io/service-account-token"),
        "metadata.annotations[kubernetes.io/service-account.name]: Required value",
        id="token secrets name their service account",
    ),
    pytest.param(
        secret(type="kubernetes.io/tls", data={"tls.crt": b64("c")}),
        "data[tls.key]: Required value",
        id="tls secrets need a key",
    ),
]


@pytest.mark.parametrize(("body", "expected"), SECRET_RULES)
def test_secret_rules(body: dict[str, Any], expected: str) -> None:
    found = [cause.detail() for cause in SECRET.validate(body, None)]
    assert any(detail.startswith(expected) for detail in found), found


def test_secret_type_is_immutable() -> None:
    old = secret()
    new = secret(type="kubernetes.io/tls", data={"tls.crt": b64("c"), "tls.key": b64("k")})
    assert [c.detail() for c in SECRET.validate(new, old)] == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable'
    ]


CONFIG_MAP_RULES = [
    pytest.param(
        {"data": {"..x": "1"}},
        "data[..x]: Invalid value: \"..x\": must not start with '..'",
        id="keys may not start with two dots",
    ),
    pytest.param(
        {"data": {"a": "1"}, "binaryData": {"a": b64("1")}},
        'data[a]: Invalid value: "a": duplicate of key present in binaryData',
        id="data and binaryData keys do not overlap",
    ),
    pytest.param(
        {"data": {"a": "x" * (1024 * 1024 + 1)}},
        "Too long: may not be more than 1048576 bytes",
        id="config maps are at most 1 MiB",
    ),
    pytest.param({"data": {"a": "1"}}, None, id="a plain config map is valid"),
]


@pytest.mark.parametrize(("fields", "expected"), CONFIG_MAP_RULES)
def test_config_map_rules(fields: dict[str, Any], expected: str | None) -> None:
    body = {"metadata": {"name": "c", "namespace": "default"}, **fields}
    found = [cause.detail() for cause in CONFIG_MAP.validate(body, None)]
    assert found == ([expected] if expected else [])


def test_immutable_config_map_data_cannot_change() -> None:
    old = {"metadata": {"name": "c"}, "immutable": True, "data": {"a": "1"}}
    new = {"metadata": {"name": "c"}, "immutable": True, "data": {"a": "2"}}
    assert [c.detail() for c in CONFIG_MAP.validate(new, old)] == [
        "data: Forbidden: field is immutable when `immutable` is set"
    ]


def test_rows() -> None:
    assert CONFIG_MAP.row is not None and SECRET.row is not None
    assert CONFIG_MAP.row({"metadata": {"name": "c"}, "data": {"a": "1"}, "binaryData": {"b": ""}}, 0) == [
        "c",
        2,
        "<unknown>",
    ]
    assert SECRET.row(secret(data={"a": b64("1")}), 0) == ["s", "Opaque", 1, "<unknown>"]
    assert SECRET.field_labels(secret())["type"] == "Opaque"
