"""Interval strings of completedIndexes/failedIndexes, as upstream parses and renders them."""

from __future__ import annotations

import pytest

from jobyard.cluster.controllers.job._indexes import (
    completion_index,
    contains,
    parse_intervals,
    render_intervals,
    total,
    with_indexes,
)


@pytest.mark.parametrize(
    ("text", "completions", "intervals"),
    [
        ("", 5, ()),
        ("0-5,8-10", 10, ((0, 5), (8, 9))),
        ("3,4,6", 9, ((3, 4), (6, 6))),
        ("1,x,3", 5, ((1, 1), (3, 3))),
        ("7", 5, ()),
    ],
    ids=["empty", "clipped-to-completions", "adjacent-merge", "corrupt-part-skipped", "beyond-completions-dropped"],
)
def test_parse_intervals_clips_and_merges(text: str, completions: int, intervals: tuple) -> None:
    assert parse_intervals(text, completions) == intervals


def test_two_adjacent_indexes_render_with_a_comma() -> None:
    assert render_intervals(((0, 5), (8, 9), (11, 11))) == "0-5,8,9,11"


def test_new_indexes_merge_into_neighbouring_intervals() -> None:
    merged = with_indexes(((3, 4), (6, 6)), [2, 7, 8])
    assert merged == ((2, 4), (6, 8))
    assert total(merged) == 6
    assert contains(merged, 7) and not contains(merged, 5)


@pytest.mark.parametrize(("value", "index"), [("3", 3), ("invalid", None), ("-1", None), (None, None)])
def test_completion_index_reads_only_a_numeric_annotation(value: str | None, index: int | None) -> None:
    annotations = {} if value is None else {"batch.kubernetes.io/job-completion-index": value}
    assert completion_index({"metadata": {"annotations": annotations}}) == index
