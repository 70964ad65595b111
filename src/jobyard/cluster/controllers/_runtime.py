"""The shape every controller shares: watches feed a keyed work queue, workers reconcile.

A reconcile takes one key, reads current state, is idempotent and returns at
most a requeue delay; an exception requeues with per-key exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from jobyard.cluster.client import LocalClient

log = logging.getLogger(__name__)

# Upstream's default per-item rate limiter starts at 5 ms; we cap it at a
# minute so a broken object is retried within one.
DEFAULT_RETRY_BASE_SECONDS = 0.005
_RETRY_CAP_SECONDS = 60.0


class WorkQueue:
    """Keys to reconcile; a key queued twice is processed once, and never by two
    workers at a time: one added while it is being processed waits for :meth:`done`."""

    def __init__(self, retry_base_seconds: float = DEFAULT_RETRY_BASE_SECONDS) -> None:
        self._retry_base_seconds = retry_base_seconds
        self._ready: asyncio.Queue[str] = asyncio.Queue()
        self._queued: set[str] = set()
        self._processing: set[str] = set()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._failures: dict[str, int] = {}

    def add(self, key: str) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        if key not in self._processing:
            self._ready.put_nowait(key)

    def add_after(self, key: str, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        timer = self._timers.get(key)
        loop = asyncio.get_running_loop()
        due = loop.time() + delay
        if timer is not None and timer.when() <= due:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = loop.call_at(due, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def retry(self, key: str) -> None:
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        self.add_after(key, min(self._retry_base_seconds * 2**failures, _RETRY_CAP_SECONDS))

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    async def get(self) -> str:
        key = await self._ready.get()
        self._queued.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: str) -> None:
        """The key's reconcile ended; if it was added meanwhile, it is ready again."""
        self._processing.discard(key)
        if key in self._queued:
            self._ready.put_nowait(key)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()


class Controller:
    """Runs ``reconcile`` for keys that watches of ``watched`` resources enqueue."""

    name = "controller"
    watched: tuple[str, ...] = ()
    workers = 1
    retry_base_seconds = DEFAULT_RETRY_BASE_SECONDS

    def __init__(self, client: LocalClient) -> None:
        self.client = client
        self.queue = WorkQueue(self.retry_base_seconds)

    def keys_for(self, resource: str, obj: dict) -> list[str]:
        """Keys an event on ``obj`` enqueues; by default the object's own namespace/name."""
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace", "")
        return [f"{namespace}/{meta.get('name', '')}" if namespace else meta.get("name", "")]

    async def reconcile(self, key: str) -> float | None:
        raise NotImplementedError

    def background(self) -> list[Coroutine[Any, Any, None]]:
        """Loops a controller runs beside its watches and workers (none by default)."""
        return []

    async def run(self) -> None:
        tasks = [asyncio.create_task(self._watch(resource)) for resource in self.watched]
        tasks += [asyncio.create_task(self._work()) for _ in range(self.workers)]
        tasks += [asyncio.create_task(loop) for loop in self.background()]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            self.queue.close()

    def on_event(self, resource: str, event_type: str, obj: dict) -> None:
        """What one watch event sets in motion; by default, queue the keys it names."""
        for key in self.keys_for(resource, obj):
            self.queue.add(key)

    async def _watch(self, resource: str) -> None:
        """List+watch forever; an expired watch starts over with a fresh list."""
        while True:
            async with contextlib.aclosing(self.client.watch(resource)) as events:
                async for event in events:
                    if event["type"] == "ERROR":
                        break
                    if event["type"] != "BOOKMARK":
                        self.on_event(resource, event["type"], event["object"])

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            try:
                delay = await self.reconcile(key)
            except Exception:
                log.exception("%s: reconciling %s failed", self.name, key)
                self.queue.retry(key)
                continue
            else:
                self.queue.forget(key)
                if delay is not None:
                    self.queue.add_after(key, delay)
            finally:
                self.queue.done(key)


def split_key(key: str) -> tuple[str, str]:
    namespace, _, name = key.rpartition("/")
    return namespace, name
