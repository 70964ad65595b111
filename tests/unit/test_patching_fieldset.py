"""Set and map keys in fieldsV1 are compact JSON, whichever encoder writes them."""

import json

import pytest

from jobyard.cluster.patching._fieldset import _same_json, compact


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "名字 with ünïcode",
        'quote " backslash \\ newline \n tab \t bell \x07 del \x7f',
        {"name": "c", "containerPort": 80, "protocol": "TCP"},
        {"z": True, "a": None, "m": -(2**63)},
        {"big": 2**70},
        {"lone": "\ud800"},
        {"ratio": 0.5, "large": 1e16},
        {"nested": {"b": [1, "2"], "a": {}}},
        ["x", 1, 1.0, False],
        10**30,
    ],
)
def test_compact_is_sorted_spaceless_json_that_keeps_non_ascii(value) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (1, 1.0),
        (1, True),
        (0.0, -0.0),
        (0.1 + 0.2, 0.3),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}),
        ({"a": None}, {}),
        ("x", "x"),
        (2**70, 2**70),
        (2**70, 2**70 + 1),
        ("\ud800", "\ud800"),
    ],
)
def test_values_are_the_same_json_exactly_when_their_compact_texts_are(old, new) -> None:
    assert _same_json(old, new) is (compact(old) == compact(new))
