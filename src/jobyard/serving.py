"""The uvicorn server both of jobyard's HTTP servers run: the cluster's API and the console.

It lives beside both layers, importing neither, so they share it without meeting.
"""

from __future__ import annotations

import contextlib
import gc
import signal
import socket
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import uvicorn

__all__ = ["GracefulServer", "tcp_listener", "tune_garbage_collection"]


class GracefulServer(uvicorn.Server):
    """Runs ``before_shutdown`` (closing open streams) first when stopping, and exits cleanly on SIGTERM.

    ``handle_signals=False`` leaves signals to another server in the same loop (``jobyard up``
    runs the console beside the cluster, whose server takes them).
    """

    def __init__(
        self, config: uvicorn.Config, before_shutdown: Callable[[], None], *, handle_signals: bool = True
    ) -> None:
        super().__init__(config)
        self._before_shutdown = before_shutdown
        self._handle_signals = handle_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if not self._handle_signals:
            yield
            return
        with super().capture_signals():
            yield

    async def shutdown(self, sockets: Any = None) -> None:
        self._before_shutdown()
        await super().shutdown(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # uvicorn re-raises the signal after a graceful stop, so the process would
        # die of it; a stop asked for by SIGTERM or Ctrl-C is a clean exit here.
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


def tcp_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket that asyncio serves with Nagle's algorithm off.

    asyncio sets TCP_NODELAY only on connections whose socket says IPPROTO_TCP, which
    ``socket.create_server`` leaves at 0: every response on a reused connection then
    waited ~40 ms for the client's delayed acknowledgement.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
    except BaseException:
        listener.close()
        raise
    return listener


def tune_garbage_collection() -> None:
    """Make the cyclic collector's full scans rare in a server that keeps many objects in memory.

    The cluster's stored objects and the console's cache of them are acyclic JSON, freed by
    reference counting. With the default thresholds a request that builds a few thousand rows
    promotes them to the oldest generation, and every few requests a full collection then scans
    the whole cache, pausing the loop for 100-200 ms. Counting only net allocations, a first
    generation of 50,000 lets a request's objects die before they are collected at all.
    What is loaded at start is frozen, out of every scan.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
