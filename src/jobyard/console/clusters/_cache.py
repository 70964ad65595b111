"""One joined cluster's Jobs and pods, kept in memory by two informers, for the console's lists and live pages.

Listing every Job and pod of a cluster on each request costs a full read and decode of both
lists; a cache kept current by watches costs one list at start and then only the changes. The
cache covers every namespace, as the console's credentials see the cluster; where they may not
list or watch Jobs or pods cluster-wide (RBAC), :meth:`ClusterCache.ready` says so and callers
ask the cluster directly. A reader never gets a silently stale answer: while a list or watch
fails, ``ready`` raises the failure, as a direct request would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ._client import KubeClient
from ._informer import Informer
from ._kinds import JOBS, PODS, Kind
from ._store import ObjectStore

__all__ = ["CACHED_KINDS", "ClusterCache", "Interest"]

Obj = dict[str, Any]
CACHED_KINDS = (JOBS, PODS)
# Whether a subscriber cares about a change: the kind and the object (None: anything may have changed).
Interest = Callable[[Kind, Obj | None], bool]


class ClusterCache:
    """Jobs and pods of one cluster; pods also by their controller's uid."""

    def __init__(self, client: KubeClient, *, ready_timeout: float = 10.0, **informer_options: Any) -> None:
        self.client = client
        self.jobs = ObjectStore()
        self.pods = ObjectStore(by_controller=True)
        self._ready_timeout = ready_timeout
        self.stopped = False
        self._subscribers: dict[asyncio.Event, Interest] = {}
        self._informers = {
            kind: Informer(client, kind, store, on_change=self._notifier(kind), **informer_options)
            for kind, store in ((JOBS, self.jobs), (PODS, self.pods))
        }

    @property
    def running(self) -> bool:
        """Whether any of its informers still lists or watches."""
        return any(informer.running for informer in self._informers.values())

    def start(self) -> None:
        for informer in self._informers.values():
            informer.start()

    async def stop(self) -> None:
        self.stopped = True
        await asyncio.gather(*(informer.stop() for informer in self._informers.values()))
        for event in self._subscribers:
            event.set()

    async def ready(self) -> bool:
        """True once both kinds follow the cluster; False where RBAC keeps the cache from being kept.

        Raises the KubeError (``ClusterUnreachable`` among them) that keeps the cache from following.
        """
        informers = list(self._informers.values())
        if any(informer.forbidden for informer in informers):
            return False
        results = await asyncio.gather(
            *(informer.ready(self._ready_timeout) for informer in informers), return_exceptions=True
        )
        if any(informer.forbidden for informer in informers):
            return False
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return True

    def observe(self, obj: Obj) -> None:
        """An object the console just wrote (a Job it created or patched): shown before its watch event comes."""
        kind = next((kind for kind in CACHED_KINDS if kind.kind == obj.get("kind")), None)
        if kind is not None and self._informers[kind].store.observe(obj):
            self._notifier(kind)(obj)

    @contextmanager
    def subscribe(self, interest: Interest) -> Iterator[asyncio.Event]:
        """An event set on every change ``interest`` cares about (and when the cache stops); clear it to wait again."""
        event = asyncio.Event()
        self._subscribers[event] = interest
        try:
            yield event
        finally:
            del self._subscribers[event]

    def _notifier(self, kind: Kind) -> Callable[[Obj | None], None]:
        def notify(changed: Obj | None) -> None:
            for event, interest in self._subscribers.items():
                if interest(kind, changed):
                    event.set()

        return notify
