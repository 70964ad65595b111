"""Waiting for what a cluster does on its own time, for every test folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["eventually"]

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 15.0, interval: float = 0.05) -> T:
    """``check()``'s first result that raises no AssertionError, polling until ``timeout``.

    Only for work the cluster does on its own time (the garbage collector, the
    namespace controller); everything a test causes directly is read at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(interval)
