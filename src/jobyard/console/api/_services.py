"""The services one console process shares between requests, built once from its database and data dir."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jobyard.console.auth import Clock, SignInLimiter, SignIns, utc_now
from jobyard.console.clusters import ClusterService
from jobyard.console.db import SecretBox
from jobyard.console.jobs import JobService, SqlRunStore
from jobyard.console.resources import ClusterResources, RegistryService

from ._kube_api import ClusterCacheIndex, KubeClientApi

__all__ = ["ConsoleServices"]


@dataclass
class ConsoleServices:
    sessions: sessionmaker[Session]
    clusters: ClusterService
    resources: ClusterResources
    registries: RegistryService
    limiter: SignInLimiter
    sign_ins: SignIns
    clock: Clock = utc_now
    # Live streams coalesce the changes of this long into one re-read, so a burst of pod
    # updates costs one list, not one per event.
    live_coalesce_seconds: float = 0.2
    # Set when the server stops, so live streams end instead of holding the shutdown.
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def open(
        cls,
        engine: Engine,
        data_dir: Path,
        *,
        clock: Clock = utc_now,
        limiter: SignInLimiter | None = None,
        cluster_timeout: float = 10.0,
    ) -> ConsoleServices:
        # Objects outlive the commit that wrote them: a service returns rows it just committed.
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        box = SecretBox.open(data_dir)
        clusters = ClusterService(sessions, box, clock, timeout=cluster_timeout)
        resources = ClusterResources(clusters, sessions, clock)
        registries = RegistryService(sessions, box, resources, clock, timeout=cluster_timeout)
        limiter = limiter or SignInLimiter(clock=clock)
        return cls(sessions, clusters, resources, registries, limiter, SignIns(sessions, clock=clock), clock)

    def kube(self, cluster: str) -> KubeClientApi:
        """The cluster's API for the job service; what it writes is shown to the cluster's cache."""
        cache = self.clusters.cache_for(cluster)
        return KubeClientApi(cache.client, cache)

    def jobs(self, cluster: str, session: Session) -> JobService:
        """The job service of ``cluster``: writes go to the cluster, the Job list comes from its cache."""
        kube = self.kube(cluster)
        index = ClusterCacheIndex(kube.cache) if kube.cache is not None else None
        return JobService(kube, SqlRunStore(session, cluster), self.clock, index=index)

    async def aclose(self) -> None:
        self.stopping.set()
        await self.clusters.aclose()
