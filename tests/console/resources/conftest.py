"""A cluster service with one embedded cluster joined as ``alpha``, and the resource services over it."""

from __future__ import annotations

import asyncio

import pytest

from console.clusters.conftest import box, cluster_a, start_cluster  # noqa: F401 - fixtures reused here
from console.clusters.support import add_user, session_factory
from jobyard.console.clusters import ClusterService
from jobyard.console.resources import ClusterResources, RegistryService

__all__ = ["start_cluster"]


@pytest.fixture
def admin(db):
    return add_user(db, "root", is_admin=True)


@pytest.fixture
def services(db, box, cluster_a, admin):  # noqa: F811 - the fixtures imported above
    clusters = ClusterService(session_factory(db), box, timeout=5)
    asyncio.run(clusters.join(admin, "alpha", cluster_a.kubeconfig.read_text()))
    resources = ClusterResources(clusters, session_factory(db))
    registries = RegistryService(session_factory(db), box, resources, timeout=5)
    return clusters, resources, registries
