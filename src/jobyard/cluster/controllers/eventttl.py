"""Event expiry: an Event goes ``ttl`` after its last write, as kube-apiserver's ``--event-ttl``.

Upstream stores every Event under an etcd lease of the TTL (1 h by default),
renewed by each write, so Events of finished work vanish on their own;
without this, every pod's four or five Events would stay for ever. Here the
controller keeps a heap of when each Event it saw written falls due, and
deletes it then — unless it was written again meanwhile (its last write is
read afresh), with a resourceVersion precondition so a write racing the
deletion wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from typing import Any

from jobyard.cluster.client import LocalClient
from jobyard.cluster.clock import parse_time
from jobyard.cluster.errors import Conflict, NotFound
from jobyard.cluster.registry import DeleteOptions

from ._runtime import Controller, split_key

__all__ = ["EVENT_RESOURCES", "EventTTLController", "Expiries", "last_written"]

EVENT_RESOURCES = ("events",)
# Longest sleep between looks at the heap: a clock that jumps is noticed within it.
_LONGEST_WAIT_SECONDS = 60.0


def last_written(event: dict[str, Any]) -> float:
    """When the Event was last written: its newest managedFields time, else its creation."""
    meta = event.get("metadata") or {}
    stamps = [entry["time"] for entry in meta.get("managedFields") or [] if entry.get("time")]
    if meta.get("creationTimestamp"):
        stamps.append(meta["creationTimestamp"])
    # RFC 3339 UTC stamps in whole seconds sort as the times they name.
    return parse_time(max(stamps)) if stamps else 0.0


class Expiries:
    """Keys by when they fall due, soonest first."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._heap)

    def push(self, due: float, key: str) -> None:
        heapq.heappush(self._heap, (due, key))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> list[str]:
        """Keys due at ``now``, removed from the heap."""
        keys = []
        while self._heap and self._heap[0][0] <= now:
            keys.append(heapq.heappop(self._heap)[1])
        return keys


class EventTTLController(Controller):
    name = "event-ttl"
    watched = EVENT_RESOURCES

    def __init__(self, client: LocalClient, ttl_seconds: float) -> None:
        super().__init__(client)
        self.ttl_seconds = ttl_seconds
        self.expiries = Expiries()
        self._pushed = asyncio.Event()

    def on_event(self, resource: str, event_type: str, obj: dict[str, Any]) -> None:
        if event_type == "DELETED":
            return
        meta = obj.get("metadata") or {}
        due = last_written(obj) + self.ttl_seconds
        self.expiries.push(due, f"{resource}|{meta.get('namespace', '')}/{meta.get('name', '')}")
        self._pushed.set()

    def background(self) -> list[Any]:
        return [self._expire()]

    async def _expire(self) -> None:
        while True:
            now = self.client.now()
            for key in self.expiries.pop_due(now):
                self.queue.add(key)
            due = self.expiries.next_due()
            wait = _LONGEST_WAIT_SECONDS if due is None else min(max(due - now, 0.0), _LONGEST_WAIT_SECONDS)
            self._pushed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._pushed.wait(), wait)

    async def reconcile(self, key: str) -> float | None:
        resource, _, rest = key.partition("|")
        namespace, name = split_key(rest)
        event = self.client.peek(resource, namespace, name)
        if event is None or last_written(event) + self.ttl_seconds > self.client.now():
            # Gone already, or written again since: that write queued its own expiry.
            return None
        try:
            self.client.delete(
                resource,
                namespace,
                name,
                DeleteOptions(precondition_resource_version=event["metadata"]["resourceVersion"]),
            )
        except (NotFound, Conflict):
            pass
        return None
