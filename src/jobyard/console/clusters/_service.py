"""Joined clusters: validated kubeconfigs sealed in the database, one cached client per cluster, health checks.

Calls go to the clusters over the network, so the service is async; the
database work between them is short and synchronous, one session per method
from ``session_factory``. A change is committed together with its audit entry.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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

from ._client import DEFAULT_TIMEOUT_SECONDS, KubeClient
from ._errors import KubeError
from ._messages import cluster_message
from ._validate import ValidationResult, validate_kubeconfig

__all__ = ["LOCAL_CLUSTER", "ClusterInfo", "ClusterService", "ClusterStatus", "JoinRefused"]

LOCAL_CLUSTER = "local"
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
            return self._info(row)

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
        """The client of cluster ``name``, made once per stored kubeconfig; UnknownCluster if none is joined."""
        with self._sessions() as session:
            sealed = self._row(session, name).kubeconfig
        cached = self._clients.get(name)
        if cached is not None and cached[0] == sealed:
            return cached[1]
        client = KubeClient(self._box.decrypt(sealed).decode(), timeout=self._timeout)
        self._clients[name] = (sealed, client)
        if cached is not None:
            # Another console process replaced the kubeconfig; requests still
            # running on the old client finish on their own connections first.
            closing = asyncio.get_running_loop().create_task(cached[1].aclose())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        return client

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
        return await self.check(LOCAL_CLUSTER)

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
        checked = await asyncio.gather(*(self._check_if_joined(name) for name in names))
        return [info for info in checked if info is not None]

    async def _check_if_joined(self, name: str) -> ClusterInfo | None:
        try:
            return await self.check(name)
        except UnknownCluster:
            # Removed while the others were being checked.
            return None

    async def aclose(self) -> None:
        clients = [client for _, client in self._clients.values()]
        self._clients.clear()
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
        cached = self._clients.pop(name, None)
        self._problems.pop(name, None)
        if cached is not None:
            await cached[1].aclose()

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
