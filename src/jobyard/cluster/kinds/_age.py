"""Ages and durations as kubectl prints them (upstream ``duration.HumanDuration``)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["format_age", "human_duration", "parse_timestamp"]


def parse_timestamp(text: str) -> float:
    """Seconds since the epoch of an RFC 3339 timestamp such as ``2024-05-01T10:00:00Z``."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def format_age(timestamp: str | None, now: float) -> str:
    """The AGE cell: how long before ``now`` the timestamp was, ``<unknown>`` if absent."""
    if not timestamp:
        return "<unknown>"
    return human_duration(now - parse_timestamp(timestamp))


def human_duration(seconds: float) -> str:
    """Coarser the longer it is: ``90s``, ``2m30s``, ``10m``, ``3h5m``, ``2d3h``, ``5y``."""
    whole = int(seconds)
    # Up to two seconds in the future count as now: clocks of writer and reader differ.
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"
