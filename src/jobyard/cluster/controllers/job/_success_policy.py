"""successPolicy (Indexed Jobs): which succeeded indexes are enough to call the Job a success."""

from __future__ import annotations

from typing import Any

from ._indexes import Intervals, parse_intervals, total

__all__ = ["match_success_policy"]


def _overlap(required: Intervals, succeeded: Intervals) -> int:
    count = 0
    for first, last in required:
        for s_first, s_last in succeeded:
            count += max(0, min(last, s_last) - max(first, s_first) + 1)
    return count


def match_success_policy(policy: dict[str, Any] | None, completions: int, succeeded: Intervals) -> str | None:
    """The SuccessCriteriaMet message of the first matching rule, or None."""
    if not policy or not succeeded:
        return None
    for position, rule in enumerate(policy.get("rules") or []):
        count = rule.get("succeededCount")
        if rule.get("succeededIndexes") is not None:
            required = parse_intervals(rule["succeededIndexes"], completions)
            if not required:
                continue
            contained = _overlap(required, succeeded)
            if contained == total(required) or (count is not None and contained >= count):
                return f"Matched rules at index {position}"
        elif count is not None and total(succeeded) >= count:
            return f"Matched rules at index {position}"
    return None
