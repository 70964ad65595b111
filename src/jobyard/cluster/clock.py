"""Time as the cluster writes it: injected, so tests never sleep."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "format_time", "parse_time", "system_clock"]

Clock = Callable[[], float]  # seconds since the epoch

system_clock: Clock = time.time


def format_time(epoch_seconds: float) -> str:
    """RFC 3339 in whole seconds, UTC, as metav1.Time serialises."""
    return _format_second(int(epoch_seconds))


# Every write stamps a time or several, nearly all in the current second: strftime was 2-3 %
# of a busy node's CPU.
@functools.lru_cache(maxsize=16)
def _format_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
