from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from jobyard.console.forms._merge import merge3

_json: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "name", "env"]), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(_json, _json)
def test_no_change_in_the_form_gives_theirs(base: Any, theirs: Any) -> None:
    assert merge3(base, base, theirs) == theirs


@given(_json, _json)
def test_theirs_equal_to_base_gives_ours(base: Any, ours: Any) -> None:
    assert merge3(base, ours, base) == ours


def test_named_items_merge_by_name() -> None:
    base = {"env": [{"name": "A", "value": "1"}]}
    ours = {"env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}]}
    theirs = {"env": [{"name": "C", "value": "x"}, {"name": "A", "value": "1", "extra": True}]}
    assert merge3(base, ours, theirs) == {
        "env": [{"name": "C", "value": "x"}, {"name": "A", "value": "2", "extra": True}, {"name": "B", "value": "3"}]
    }
