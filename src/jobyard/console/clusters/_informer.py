"""List then watch one kind of a cluster, keeping an :class:`ObjectStore` current: client-go's reflector.

The loop lists, then watches from the list's resourceVersion; when the server ends a watch it is
reopened from the last version seen (bookmarks keep that version fresh), and a 410 Gone lists
again. A failure to list or to open a watch is kept as ``problem`` and retried with a backoff
that doubles up to ``max_backoff``; a reader that finds a problem asks for an early retry and
waits for its outcome, so a cluster that came back is seen at once and one that is still away
is reported, never served from a stale store.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from ._client import KubeClient
from ._errors import ClusterUnreachable, KubeError, Unreachability
from ._kinds import Kind
from ._store import ObjectStore

__all__ = ["Informer"]

log = logging.getLogger(__name__)


class Informer:
    """``store`` kept as ``kind`` is across the cluster (or in ``namespace``).

    ``on_change`` is called with each object that changed, and with None after a list or when a
    problem starts: then anything may have changed.
    """

    def __init__(
        self,
        client: KubeClient,
        kind: Kind,
        store: ObjectStore,
        *,
        namespace: str | None = None,
        on_change: Callable[[dict[str, Any] | None], None] = lambda changed: None,
        min_backoff: float = 0.2,
        max_backoff: float = 10.0,
        forbidden_backoff: float = 300.0,
        watch_timeout_seconds: int = 300,
        quiet_seconds: float = 90.0,
    ) -> None:
        self.client = client
        self.kind = kind
        self.store = store
        self.namespace = namespace
        # Why the last list or watch failed; None while the store follows the cluster.
        self.problem: KubeError | None = None
        self._on_change = on_change
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self._forbidden_backoff = forbidden_backoff
        self._watch_timeout = watch_timeout_seconds
        self._quiet = quiet_seconds
        self._listed = False
        self._outcomes = 0  # lists and watch openings that succeeded or failed, for readers to wait on
        self._outcome = asyncio.Condition()
        self._retry_now = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def forbidden(self) -> bool:
        """The console's credentials may not list or watch this kind here (RBAC): no cache can be kept."""
        return self.problem is not None and self.problem.code == HTTPStatus.FORBIDDEN

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"informer {self.kind.plural}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        # A task of an event loop that has ended was cancelled with it.
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def ready(self, timeout: float) -> None:
        """Return once the store follows the cluster; raise the problem that keeps it from doing so.

        With a problem, the loop retries at once and the outcome of that retry decides; a retry
        that takes longer than ``timeout`` counts as the cluster not answering.
        """
        if self._listed and self.problem is None:
            return
        seen = self._outcomes
        self._retry_now.set()
        try:
            async with asyncio.timeout(timeout):
                async with self._outcome:
                    await self._outcome.wait_for(lambda: self._outcomes > seen)
        except TimeoutError:
            if self.problem is None:
                raise ClusterUnreachable(
                    self.client.server, Unreachability.TIMEOUT, f"no answer within {timeout:g} s"
                ) from None
        if self.problem is not None:
            raise self.problem

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                if not self._listed:
                    await self._list()
                await self._watch()
                failures = 0
            except KubeError as error:
                if error.code == HTTPStatus.GONE:
                    # The version is older than the server keeps: list again, at once.
                    self._listed = False
                    continue
                failures += 1
                await self._outcome_of(error)
                await self._back_off(failures, forbidden=error.code == HTTPStatus.FORBIDDEN)
            except Exception as error:  # a bug must not end the cache for good: log, report, retry
                log.exception("informer of %s at %s failed", self.kind.plural, self.client.server)
                failures += 1
                await self._outcome_of(ClusterUnreachable(self.client.server, Unreachability.REFUSED, repr(error)))
                await self._back_off(failures, forbidden=False)

    async def _list(self) -> None:
        listed = await self.client.list(self.kind, namespace=self.namespace)
        self.store.replace(listed.items, listed.resource_version)
        self._listed = True
        self._on_change(None)
        await self._outcome_of(None)

    async def _watch(self) -> None:
        """One watch request, from the store's version, until the server ends it."""
        async with self.client.open_watch(
            self.kind,
            namespace=self.namespace,
            resource_version=self.store.resource_version,
            timeout_seconds=self._watch_timeout,
            quiet_seconds=self._quiet,
        ) as events:
            await self._outcome_of(None)
            async for event in events:
                if self.store.apply(event):
                    self._on_change(event.object)

    async def _outcome_of(self, problem: KubeError | None) -> None:
        starts = problem is not None and self.problem is None
        self.problem = problem
        if starts:
            self._on_change(None)
        async with self._outcome:
            self._outcomes += 1
            self._outcome.notify_all()

    async def _back_off(self, failures: int, *, forbidden: bool) -> None:
        """Sleep before the next try, shorter when a reader asks for one (never under ``min_backoff``)."""
        ceiling = self._forbidden_backoff if forbidden else self._max_backoff
        delay = min(ceiling, self._min_backoff * 2 ** (failures - 1)) * random.uniform(0.8, 1.0)
        self._retry_now.clear()
        await asyncio.sleep(self._min_backoff)
        try:
            async with asyncio.timeout(max(0.0, delay - self._min_backoff)):
                await self._retry_now.wait()
        except TimeoutError:
            pass
