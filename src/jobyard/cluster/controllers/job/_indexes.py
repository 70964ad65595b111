"""Completion indexes: a pod's index and the interval strings of completedIndexes and failedIndexes.

Intervals are sorted, disjoint, non-adjacent ``(first, last)`` pairs; "1,3-5"
is ``((1, 1), (3, 5))``. Adjacent pairs render with a comma ("8,9"), as upstream.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any

__all__ = [
    "COMPLETION_INDEX",
    "Intervals",
    "completion_index",
    "contains",
    "parse_intervals",
    "render_intervals",
    "total",
    "with_indexes",
]

COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"

Intervals = tuple[tuple[int, int], ...]


def completion_index(pod: dict[str, Any]) -> int | None:
    """The pod's index annotation; None when absent, not a number or negative."""
    text = ((pod.get("metadata") or {}).get("annotations") or {}).get(COMPLETION_INDEX)
    if text is None or not text.isdigit():
        return None
    return int(text)


def parse_intervals(text: str | None, completions: int) -> Intervals:
    """Parse an interval string, dropping indexes >= completions and corrupt parts."""
    result: list[tuple[int, int]] = []
    for part in (text or "").split(","):
        if not part:
            continue
        limits = part.split("-")
        try:
            first = int(limits[0])
            last = int(limits[1]) if len(limits) > 1 else first
        except ValueError:
            continue
        if first >= completions:
            break
        last = min(last, completions - 1)
        if result and result[-1][1] == first - 1:
            result[-1] = (result[-1][0], last)
        else:
            result.append((first, last))
    return tuple(result)


def render_intervals(intervals: Intervals) -> str:
    parts = []
    for first, last in intervals:
        if last == first:
            parts.append(str(first))
        elif last == first + 1:
            parts.append(f"{first},{last}")
        else:
            parts.append(f"{first}-{last}")
    return ",".join(parts)


def with_indexes(intervals: Intervals, indexes: Iterable[int]) -> Intervals:
    """The union of ``intervals`` and ``indexes``, merged."""
    pieces = sorted([*intervals, *((i, i) for i in indexes)])
    merged: list[tuple[int, int]] = []
    for first, last in pieces:
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


def total(intervals: Intervals) -> int:
    return sum(last - first + 1 for first, last in intervals)


def contains(intervals: Intervals, index: int) -> bool:
    position = bisect_right(intervals, (index, float("inf")))
    return position > 0 and intervals[position - 1][1] >= index
