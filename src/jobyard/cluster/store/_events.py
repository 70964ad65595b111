from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class WatchEvent:
    """One change as watchers see it. ``obj`` must not be mutated."""

    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    resource: str
    namespace: str
    name: str
    obj: Obj
    # The object before this change (None for ADDED): selectors on a watch
    # turn a MODIFIED that leaves or enters the selection into DELETED/ADDED.
    previous: Obj | None = None


class Watcher:
    """One watch's bounded queue.

    A watcher that falls ``capacity`` events behind is marked ``overflowed`` and
    stops receiving: the writer never waits for a reader. Its stream then ends
    with 410 Expired and the client re-lists, as upstream's watch cache does.
    """

    def __init__(
        self,
        resource: str,
        namespace: str | None,
        capacity: int,
    ) -> None:
        self.resource = resource
        self.namespace = namespace
        self.capacity = capacity
        self.overflowed = False
        self.closed = False
        self._pending: deque[WatchEvent] = deque()
        self._wake = asyncio.Event()

    def wants(self, event: WatchEvent) -> bool:
        if event.resource != self.resource:
            return False
        if self.namespace is not None and event.namespace != self.namespace:
            return False
        return True

    def push(self, event: WatchEvent) -> None:
        if self.overflowed or self.closed:
            return
        if len(self._pending) >= self.capacity:
            self.overflowed = True
            self._pending.clear()
        else:
            self._pending.append(event)
        self._wake.set()

    def close(self) -> None:
        self.closed = True
        self._wake.set()

    async def next(self, timeout: float | None) -> WatchEvent | None:
        """The next event, or None when ``timeout`` passes, overflow or close."""
        while not self._pending:
            if self.overflowed or self.closed:
                return None
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return None
        return self._pending.popleft()
