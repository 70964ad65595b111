"""RFC 6902 JSON patch and upstream's answers when an operation does not apply."""

from typing import Any

import pytest

from jobyard.cluster.errors import BadRequest, Invalid, RequestTooLarge
from jobyard.cluster.patching import MAX_JSON_PATCH_OPERATIONS, json_patch

DOC = {"metadata": {"name": "j", "labels": {"a": "1"}}, "spec": {"list": [1, 2]}}


@pytest.mark.parametrize(
    ("operations", "expected"),
    [
        pytest.param(
            [{"op": "add", "path": "/metadata/labels/b", "value": "2"}],
            {**DOC, "metadata": {"name": "j", "labels": {"a": "1", "b": "2"}}},
            id="add a member",
        ),
        pytest.param(
            [{"op": "remove", "path": "/metadata/labels/a"}],
            {**DOC, "metadata": {"name": "j", "labels": {}}},
            id="remove a member",
        ),
        pytest.param(
            [{"op": "replace", "path": "/spec/list/0", "value": 9}],
            {**DOC, "spec": {"list": [9, 2]}},
            id="replace an element",
        ),
        pytest.param(
            [{"op": "add", "path": "/spec/list/-", "value": 3}],
            {**DOC, "spec": {"list": [1, 2, 3]}},
            id="append with dash",
        ),
        pytest.param([{"op": "test", "path": "/metadata/name", "value": "j"}], DOC, id="passing test changes nothing"),
        pytest.param(
            [{"op": "move", "from": "/spec/list", "path": "/spec/moved"}], {**DOC, "spec": {"moved": [1, 2]}}, id="move"
        ),
        pytest.param(None, DOC, id="null body is an empty patch"),
    ],
)
def test_json_patch_applies_rfc6902(operations: Any, expected: dict[str, Any]) -> None:
    assert json_patch(DOC, operations) == expected


@pytest.mark.parametrize(
    "operations",
    [
        pytest.param([{"op": "test", "path": "/metadata/name", "value": "other"}], id="failed test"),
        pytest.param([{"op": "remove", "path": "/metadata/missing"}], id="remove missing path"),
        pytest.param([{"op": "replace", "path": "/nope", "value": 1}], id="replace missing path"),
        pytest.param([{"op": "add", "path": "/no/such/parent", "value": 1}], id="add under missing parent"),
        pytest.param([{"op": "frobnicate", "path": "/a"}], id="unknown op"),
        pytest.param([{"path": "/a"}], id="op member missing"),
        pytest.param([{"op": "add", "path": "metadata", "value": 1}], id="pointer without leading slash"),
        pytest.param([{"op": "add", "path": "/a~2", "value": 1}], id="bad pointer escape"),
        pytest.param([{"op": "add", "path": "/spec/list/7", "value": 1}], id="index past the end"),
        pytest.param([None], id="null operation"),
    ],
)
def test_json_patch_that_does_not_apply_is_invalid_with_the_generic_message(operations: Any) -> None:
    with pytest.raises(Invalid) as raised:
        json_patch(DOC, operations)
    assert raised.value.status()["code"] == 422
    assert raised.value.status()["reason"] == "Invalid"
    assert raised.value.message == "the server rejected our request due to an error in our request"


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        pytest.param(
            {"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch", id="object body"
        ),
        pytest.param(
            ["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation", id="string operation"
        ),
    ],
)
def test_json_patch_body_that_does_not_decode_is_a_bad_request(operations: Any, message: str) -> None:
    with pytest.raises(BadRequest) as raised:
        json_patch(DOC, operations)
    assert raised.value.message == message


def test_json_patch_over_the_operation_cap_is_too_large() -> None:
    operations = [{"op": "test", "path": "/metadata/name", "value": "j"}] * (MAX_JSON_PATCH_OPERATIONS + 1)
    with pytest.raises(RequestTooLarge) as raised:
        json_patch(DOC, operations)
    assert raised.value.code == 413


def test_json_patch_replacing_the_root_with_an_array_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        json_patch(DOC, [{"op": "replace", "path": "", "value": [1]}])
    assert raised.value.causes[0].field == "patch"


def test_json_patch_leaves_the_document_alone() -> None:
    doc = {"a": {"b": 1}}
    json_patch(doc, [{"op": "replace", "path": "/a/b", "value": 2}])
    assert doc == {"a": {"b": 1}}
