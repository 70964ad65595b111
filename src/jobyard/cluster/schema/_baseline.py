"""Skipping what a write left as it was.

A patch or update changes a small part of an object that was checked when it
was stored; the schema walks compare each subtree with the stored one and
skip it when equal, which keeps them proportional to the change.
"""

from __future__ import annotations

from typing import Any

ABSENT: Any = object()


def unchanged(value: Any, baseline: Any) -> bool:
    return baseline is not ABSENT and type(value) is type(baseline) and value == baseline


def child(baseline: Any, key: str | int) -> Any:
    """The baseline of ``value[key]``."""
    if isinstance(key, int):
        return baseline[key] if isinstance(baseline, list) and key < len(baseline) else ABSENT
    return baseline.get(key, ABSENT) if isinstance(baseline, dict) else ABSENT
