"""How far a Job got and how long it took: completions ``n/m``, duration, age, kubectl-style spans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ._kube import Manifest
from ._status import condition

__all__ = ["Completions", "age", "completions", "duration", "finished_at", "human_duration", "parse_time"]


def parse_time(text: str | None) -> datetime | None:
    """An RFC 3339 timestamp (``2027-01-01T09:00:00Z``, or a microTime) as an aware datetime."""
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Completions:
    """``wanted`` is None for a work-queue Job (no ``completions``): one success finishes it."""

    succeeded: int
    wanted: int | None
    parallelism: int

    def __str__(self) -> str:
        # kubectl's COMPLETIONS column, so the console and kubectl read alike.
        if self.wanted is None:
            return f"{self.succeeded}/1 of {self.parallelism}"
        return f"{self.succeeded}/{self.wanted}"


def completions(job: Manifest) -> Completions:
    """For an Indexed Job ``succeeded`` counts completed indexes, which is what the user asked for."""
    spec, status = job.get("spec") or {}, job.get("status") or {}
    return Completions(
        succeeded=status.get("succeeded") or 0,
        wanted=spec.get("completions"),
        parallelism=spec.get("parallelism", 1),
    )


def finished_at(job: Manifest) -> datetime | None:
    """When it completed, or when it failed: only a Complete Job gets a ``completionTime``."""
    completed = parse_time((job.get("status") or {}).get("completionTime"))
    if completed is not None:
        return completed
    failed = condition(job, "Failed")
    return parse_time(failed.get("lastTransitionTime")) if failed else None


def duration(job: Manifest, now: datetime) -> timedelta | None:
    """From ``startTime`` to its end, or to ``now`` while it runs; None before it started."""
    started = parse_time((job.get("status") or {}).get("startTime"))
    if started is None:
        return None
    return (finished_at(job) or now) - started


def age(obj: Manifest, now: datetime) -> timedelta | None:
    created = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    return None if created is None else now - created


def human_duration(span: timedelta) -> str:
    """kubectl's ``duration.HumanDuration``: ``45s``, ``3m20s``, ``25m``, ``5h7m``, ``3d4h``, ``2y10d``."""
    seconds = int(span.total_seconds())
    # Up to a second in the future passes as clock skew between console and cluster.
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return _pair(minutes, "m", seconds % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return _pair(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return _pair(days, "d", hours % 24, "h")
    if days < 365 * 2:
        return f"{days}d"
    if days < 365 * 8:
        return _pair(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def _pair(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
    return f"{major}{major_unit}" if minor == 0 else f"{major}{major_unit}{minor}{minor_unit}"
