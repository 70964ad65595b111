import pytest

from jobyard.cluster.errors import BadRequest
from jobyard.cluster.selectors import (
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)

LABELS = {"app": "web", "tier": "front", "count": "5"}


@pytest.mark.parametrize(
    "text, matches",
    [
        pytest.param("", True, id="an empty selector matches everything"),
        pytest.param("app=web", True, id="equality matches an equal value"),
        pytest.param("app==web", True, id="double equals is equality"),
        pytest.param("app=db", False, id="equality rejects another value"),
        pytest.param("app!=db", True, id="inequality accepts another value"),
        pytest.param("missing!=x", True, id="inequality accepts an absent key"),
        pytest.param("app", True, id="a bare key means the key exists"),
        pytest.param("missing", False, id="existence rejects an absent key"),
        pytest.param("!missing", True, id="a bang means the key is absent"),
        pytest.param("!app", False, id="non-existence rejects a present key"),
        pytest.param("app in (db, web)", True, id="in accepts a listed value"),
        pytest.param("app in (db)", False, id="in rejects an unlisted value"),
        pytest.param("missing in (x)", False, id="in rejects an absent key"),
        pytest.param("app notin (db)", True, id="notin accepts an unlisted value"),
        pytest.param("missing notin (x)", True, id="notin accepts an absent key"),
        pytest.param("app=web,tier=back", False, id="requirements are ANDed"),
        pytest.param("count>4", True, id="greater-than compares integers"),
        pytest.param("count<4", False, id="less-than compares integers"),
        pytest.param("app=web , tier in ( front )", True, id="white space is allowed around tokens"),
    ],
)
def test_label_selector_matching(text, matches):
    assert parse_label_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("app in (web", id="an unclosed set is malformed"),
        pytest.param("app web", id="two keys without an operator are malformed"),
        pytest.param("=web", id="a selector cannot start with an operator"),
        pytest.param("app=web,", id="a trailing comma is malformed"),
        pytest.param("app in ()", id="in needs at least one value"),
        pytest.param("count>x", id="greater-than needs an integer"),
    ],
)
def test_malformed_label_selectors_are_bad_requests(text):
    with pytest.raises(BadRequest) as caught:
        parse_label_selector(text)
    assert caught.value.code == 400


@pytest.mark.parametrize(
    "text, fields, matches",
    [
        pytest.param("status.phase=Running", {"status.phase": "Running"}, True, id="field equality"),
        pytest.param("status.phase!=Running", {"status.phase": "Pending"}, True, id="field inequality"),
        pytest.param("metadata.name=a\\,b", {"metadata.name": "a,b"}, True, id="an escaped comma is part of the value"),
        pytest.param("spec.nodeName=", {"spec.nodeName": ""}, True, id="an empty value matches an empty field"),
    ],
)
def test_field_selector_matching(text, fields, matches):
    assert parse_field_selector(text).matches(fields) is matches


def test_field_selectors_reject_set_operators():
    with pytest.raises(BadRequest):
        parse_field_selector("status.phase in (Running)")


@pytest.mark.parametrize(
    "label_selector, matches",
    [
        pytest.param({"matchLabels": {"app": "web"}}, True, id="matchLabels are equality requirements"),
        pytest.param({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]}, True, id="In"),
        pytest.param(
            {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False, id="NotIn"
        ),
        pytest.param({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True, id="Exists"),
        pytest.param({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False, id="DoesNotExist"),
        pytest.param({}, True, id="an empty LabelSelector matches everything"),
    ],
)
def test_label_selector_objects(label_selector, matches):
    assert selector_from_label_selector(label_selector).matches(LABELS) is matches
