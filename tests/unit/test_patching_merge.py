"""RFC 7386 merge patch, and the answers upstream gives for bodies it refuses."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobyard.cluster.errors import BadRequest, Invalid
from jobyard.cluster.patching import merge_patch


@pytest.mark.parametrize(
    ("doc", "patch", "expected"),
    [
        pytest.param({"a": 1}, {"b": 2}, {"a": 1, "b": 2}, id="new key is added"),
        pytest.param({"a": 1}, {"a": 2}, {"a": 2}, id="scalar is replaced"),
        pytest.param({"a": 1, "b": 2}, {"a": None}, {"b": 2}, id="null deletes the key"),
        pytest.param({"a": 1}, {"z": None}, {"a": 1}, id="null for a missing key is ignored"),
        pytest.param(
            {"m": {"x": 1, "y": 2}}, {"m": {"y": None, "z": 3}}, {"m": {"x": 1, "z": 3}}, id="objects merge recursively"
        ),
        pytest.param({"l": [1, 2, 3]}, {"l": [4]}, {"l": [4]}, id="arrays are replaced whole"),
        pytest.param({"a": "x"}, {"a": {"b": None, "c": 1}}, {"a": {"c": 1}}, id="object over scalar drops its nulls"),
        pytest.param({"a": {"b": 1}}, {}, {"a": {"b": 1}}, id="empty patch changes nothing"),
    ],
)
def test_merge_patch_follows_rfc7386(doc: dict[str, Any], patch: Any, expected: dict[str, Any]) -> None:
    assert merge_patch(doc, patch) == expected


def test_merge_patch_leaves_its_inputs_alone() -> None:
    doc, patch = {"m": {"x": 1}}, {"m": {"y": 2}}
    merge_patch(doc, patch)
    assert doc == {"m": {"x": 1}} and patch == {"m": {"y": 2}}


@pytest.mark.parametrize(
    ("patch", "error"),
    [
        pytest.param(None, BadRequest, id="null patch is a bad request"),
        pytest.param("text", BadRequest, id="scalar patch is a bad request"),
        pytest.param([1], Invalid, id="array patch replaces the object and fails to decode"),
    ],
)
def test_merge_patch_refuses_non_objects_as_upstream(patch: Any, error: type) -> None:
    with pytest.raises(error) as raised:
        merge_patch({"a": 1}, patch)
    if error is BadRequest:
        assert raised.value.message == "Invalid JSON Patch"
    else:
        assert raised.value.code == 422 and raised.value.causes[0].field == "patch"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
    max_leaves=8,
)
_documents = st.dictionaries(st.text(max_size=2), _json, max_size=4)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    return value


def _diff(source: Any, target: Any) -> Any:
    """The merge patch that turns ``source`` into ``target`` (both null-free in objects)."""
    if not isinstance(source, dict) or not isinstance(target, dict):
        return target
    patch = {key: None for key in source if key not in target}
    for key, value in target.items():
        if key not in source:
            patch[key] = value
        elif source[key] != value or type(source[key]) is not type(value):
            patch[key] = _diff(source[key], value)
    return patch


@given(_documents, _documents)
def test_merge_patch_of_the_difference_yields_the_target(a: dict[str, Any], b: dict[str, Any]) -> None:
    source, target = _without_nulls(a), _without_nulls(b)
    assert merge_patch(source, _diff(source, target)) == target


@given(_documents, _documents)
def test_merge_patch_is_idempotent(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    once = merge_patch(doc, patch)
    assert merge_patch(once, patch) == once
