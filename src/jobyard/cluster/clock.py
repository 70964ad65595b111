"""Time as the cluster writes it: injected, so tests never sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "format_time", "parse_time", "system_clock"]

Clock = Callable[[], float]  # seconds since the epoch

system_clock: Clock = time.time


def format_time(epoch_seconds: float) -> str:
    """RFC 3339 in whole seconds, UTC, as metav1.Time serialises."""
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
