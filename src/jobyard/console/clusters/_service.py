"""Joined clusters: validated kubeconfigs sealed in the database, one cached client per cluster, health checks.

Each cluster also gets a :class:`ClusterCache` of its Jobs and pods, made with its client: started
when the cluster is joined or registered (or on first use), stopped when it is removed, when its
kubeconfig changes, and when the console closes.

Calls go to the clusters over the network, so the service is async; the
database work between them is short and synchronous, one session per method
from ``session_factory``. A change is committed together with its audit entry.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobyard.console.auth import (
    SYSTEM_ACTOR,
    Action,
    AuditResult,
    Clock,
    UnknownCluster,
    allowed,
    principal_of,
    record_audit,
    require,
    utc_now,
)
from jobyard.console.db import Cluster, SecretBox, User
from jobyard.console.forms import Language

from ._cache import ClusterCache
from ._client import DEFAULT_TIMEOUT_SECONDS, KubeClient
from ._errors import KubeError
from ._messages import cluster_message
from ._validate import ValidationResult, validate_kubeconfig

__all__ = ["LOCAL_CLUSTER", "ClusterInfo", "ClusterService", "ClusterStatus", "JoinRefused"]

LOCAL_CLUSTER = "local"
KUBECONFIG_RECHECK_SECONDS = 1.0
_CLUSTER_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


class ClusterStatus(StrEnum):
    """DCE's cluster states: 接入中 (registered, never reached yet), 运行中, 异常 (the last check failed)."""

    JOINING = "Joining"
    RUNNING = "Running"
    UNREACHABLE = "Unreachable"

    def label(self, lang: Language) -> str:
        return cluster_message(f"status{self.value}", lang)


@dataclass(frozen=True)
class ClusterInfo:
    name: str
    status: ClusterStatus
    version: str | None
    node_count: int | None
    last_check: datetime | None
    created: datetime
    # Why the last check failed, as the API server or the network said it; kept in memory only.
    problem: str | None = None


class JoinRefused(Exception):
    """A cluster was not joined; ``result`` says why (``result.message(lang)``)."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        super().__init__(result.message("en"))


class ClusterService:
    def __init__(
        self,
        session_factory: Callable[[], Session],
        secret_box: SecretBox,
        clock: Clock = utc_now,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._sessions = session_factory
        self._box = secret_box
        self._clock = clock
        self._timeout = timeout
        # name → (the sealed kubeconfig the client was made from, the client)
        self._clients: dict[str, tuple[bytes, KubeClient]] = {}
        self._problems: dict[str, str] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._caches: dict[str, ClusterCache] = {}
        # name → when its stored kubeconfig was last compared with the client's (time.monotonic)
        self._compared: dict[str, float] = {}

    async def join(self, actor: User, name: str, kubeconfig: str) -> ClusterInfo:
        """Validate ``kubeconfig`` and keep it as cluster ``name``; :class:`JoinRefused` keeps nothing."""
        with self._sessions() as session:
            require(session, actor, Action.CLUSTER_JOIN, target=name, clock=self._clock)
            refusal = self._name_refusal(session, name)
        result = refusal or await validate_kubeconfig(kubeconfig, timeout=self._timeout)
        with self._sessions() as session:
            if not result.ok:
                self._audit(session, actor.name, "cluster.join", name, AuditResult.FAILED, detail=result.code)
                raise JoinRefused(result)
            now = self._clock()
            row = Cluster(
                name=name,
                kubeconfig=self._box.encrypt(kubeconfig.encode()),
                status=ClusterStatus.RUNNING.value,
                version=result.version,
                node_count=result.node_count,
                last_check=now,
                created=now,
            )
            session.add(row)
            self._audit(session, actor.name, "cluster.join", name, AuditResult.OK, detail=result.version)
            info = self._info(row)
        self.cache_for(name)
        return info

    def list_clusters(self, actor: User) -> list[ClusterInfo]:
        """The clusters ``actor`` has a role on (every one for the Admin), by name."""
        principal = principal_of(actor)
        if not allowed(principal, Action.CLUSTER_LIST):
            return []
        bound = {binding.cluster for binding in principal.bindings}
        with self._sessions() as session:
            rows = session.scalars(select(Cluster).order_by(Cluster.name))
            return [self._info(row) for row in rows if principal.is_admin or row.name in bound]

    async def remove(self, actor: User, name: str) -> None:
        """Forget cluster ``name`` and its role bindings; the cluster itself is left as it is."""
        with self._sessions() as session:
            require(session, actor, Action.CLUSTER_REMOVE, target=name, clock=self._clock)
            row = self._row(session, name)
            session.delete(row)
            self._audit(session, actor.name, "cluster.remove", name, AuditResult.OK)
        await self._drop_client(name)

    def client_for(self, name: str) -> KubeClient:
        """The client of cluster ``name``, made once per stored kubeconfig; UnknownCluster if none is joined.

        The stored kubeconfig is read again at most every ``KUBECONFIG_RECHECK_SECONDS``: a request
        may ask for the client several times, and another console process changes it rarely.
        """
        cached = self._clients.get(name)
        now = time.monotonic()
        if cached is not None and now - self._compared.get(name, -math.inf) < KUBECONFIG_RECHECK_SECONDS:
            return cached[1]
        with self._sessions() as session:
            sealed = self._row(session, name).kubeconfig
        self._compared[name] = now
        if cached is not None and cached[0] == sealed:
            return cached[1]
        client = KubeClient(self._box.decrypt(sealed).decode(), timeout=self._timeout)
        self._clients[name] = (sealed, client)
        if cached is not None:
            # Another console process replaced the kubeconfig; requests still
            # running on the old client finish on their own connections first.
            self._in_background(self._close(cached[1], self._caches.pop(name, None)))
        return client

    def cache_for(self, name: str) -> ClusterCache:
        """The cache of cluster ``name``'s Jobs and pods, started with its current client; UnknownCluster if none."""
        client = self.client_for(name)
        cache = self._caches.get(name)
        # One that no longer runs was started on an event loop that has ended (tests run several).
        if cache is None or cache.client is not client or not cache.running:
            cache = ClusterCache(client, ready_timeout=self._timeout)
            cache.start()
            self._caches[name] = cache
        return cache

    def running_cache(self, name: str) -> ClusterCache | None:
        """The cache kept for cluster ``name``, if one was started (none is started here)."""
        return self._caches.get(name)

    async def register_local(self, kubeconfig: str) -> ClusterInfo:
        """Keep the embedded cluster as ``local``: added on first start, its kubeconfig refreshed on later ones.

        It is not validated first: the console may start before the cluster
        answers, so ``local`` stays Joining until a check reaches it.
        """
        with self._sessions() as session:
            row = session.scalar(select(Cluster).where(Cluster.name == LOCAL_CLUSTER))
            if row is None:
                session.add(
                    Cluster(
                        name=LOCAL_CLUSTER,
                        kubeconfig=self._box.encrypt(kubeconfig.encode()),
                        status=ClusterStatus.JOINING.value,
                        created=self._clock(),
                    )
                )
                self._audit(session, SYSTEM_ACTOR, "cluster.join", LOCAL_CLUSTER, AuditResult.OK)
            elif self._box.decrypt(row.kubeconfig).decode() != kubeconfig:
                row.kubeconfig = self._box.encrypt(kubeconfig.encode())
                session.commit()
                await self._drop_client(LOCAL_CLUSTER)
        checked = await self.check(LOCAL_CLUSTER)
        self.cache_for(LOCAL_CLUSTER)
        return checked

    async def check(self, name: str) -> ClusterInfo:
        """Ask cluster ``name`` for its version and nodes, and store what it answered (or that it did not)."""
        client = self.client_for(name)
        try:
            version = await client.version()
            node_count = await client.node_count()
        except KubeError as error:
            self._problems[name] = error.message
            return self._record_check(name, None)
        self._problems.pop(name, None)
        return self._record_check(name, (str(version["gitVersion"]), node_count))

    async def check_all(self) -> list[ClusterInfo]:
        """Check every cluster at once: the periodic health loop's one step."""
        with self._sessions() as session:
            names = list(session.scalars(select(Cluster.name).order_by(Cluster.name)))
        for gone in set(self._clients) - set(names):
            # Removed by another console process: its client and cache go here too.
            await self._drop_client(gone)
        checked = await asyncio.gather(*(self._check_if_joined(name) for name in names))
        return [info for info in checked if info is not None]

    async def _check_if_joined(self, name: str) -> ClusterInfo | None:
        try:
            return await self.check(name)
        except UnknownCluster:
            # Removed while the others were being checked.
            return None

    async def aclose(self) -> None:
        caches = list(self._caches.values())
        self._caches.clear()
        clients = [client for _, client in self._clients.values()]
        self._clients.clear()
        await asyncio.gather(*(cache.stop() for cache in caches))
        await asyncio.gather(*(client.aclose() for client in clients), *self._closing)

    def _record_check(self, name: str, answer: tuple[str, int] | None) -> ClusterInfo:
        with self._sessions() as session:
            row = self._row(session, name)
            row.last_check = self._clock()
            if answer is not None:
                row.status = ClusterStatus.RUNNING.value
                row.version, row.node_count = answer
            elif row.status != ClusterStatus.JOINING.value:
                row.status = ClusterStatus.UNREACHABLE.value
            session.commit()
            return self._info(row)

    async def _drop_client(self, name: str) -> None:
        self._compared.pop(name, None)
        cached = self._clients.pop(name, None)
        self._problems.pop(name, None)
        cache = self._caches.pop(name, None)
        if cached is not None:
            await self._close(cached[1], cache)
        elif cache is not None:
            await cache.stop()

    @staticmethod
    async def _close(client: KubeClient, cache: ClusterCache | None) -> None:
        if cache is not None:
            await cache.stop()
        await client.aclose()

    def _in_background(self, closing: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(closing)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _name_refusal(self, session: Session, name: str) -> ValidationResult | None:
        if not _CLUSTER_NAME.fullmatch(name):
            return ValidationResult("clusterNameInvalid")
        if session.scalar(select(Cluster.id).where(Cluster.name == name)) is not None:
            return ValidationResult("clusterNameTaken", {"name": name})
        return None

    @staticmethod
    def _row(session: Session, name: str) -> Cluster:
        row = session.scalar(select(Cluster).where(Cluster.name == name))
        if row is None:
            raise UnknownCluster(name)
        return row

    def _audit(
        self,
        session: Session,
        user: str,
        action: str,
        cluster: str,
        result: AuditResult,
        *,
        detail: str | None = None,
    ) -> None:
        record_audit(
            session, user=user, action=action, result=result, cluster=cluster, detail=detail, clock=self._clock
        )

    def _info(self, row: Cluster) -> ClusterInfo:
        return ClusterInfo(
            name=row.name,
            status=ClusterStatus(row.status),
            version=row.version,
            node_count=row.node_count,
            last_check=row.last_check,
            created=row.created,
            problem=self._problems.get(row.name),
        )
