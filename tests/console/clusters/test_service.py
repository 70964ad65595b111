"""ClusterService over a real database (SQLite and PostgreSQL) and real embedded clusters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import free_port
from jobyard.console.auth import PermissionDenied, UnknownCluster
from jobyard.console.clusters import (
    NAMESPACES,
    ClusterService,
    ClusterStatus,
    ClusterUnreachable,
    JoinRefused,
)
from jobyard.console.db import AuditEntry, Cluster

from .conftest import start_cluster
from .support import NOW, add_user, kubeconfig, session_factory


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(db, box, clock):
    return ClusterService(session_factory(db), box, clock, timeout=5)


@pytest.fixture
def admin(db):
    return add_user(db, "root", is_admin=True)


def audit(db):
    db.expire_all()
    return [(e.user, e.action, e.cluster, e.result) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_two_clusters_join_by_kubeconfig_and_are_listed(db, service, admin, cluster_a, cluster_b):
    async def scenario():
        try:
            joined = await service.join(admin, "alpha", cluster_a.kubeconfig.read_text())
            await service.join(admin, "beta", cluster_b.kubeconfig.read_text())
            assert (joined.status, joined.node_count, joined.last_check) == (ClusterStatus.RUNNING, 0, NOW)
            await service.client_for("alpha").create(
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "only-in-alpha"}}
            )
            alpha_names = {n["metadata"]["name"] for n in (await service.client_for("alpha").list(NAMESPACES)).items}
            beta_names = {n["metadata"]["name"] for n in (await service.client_for("beta").list(NAMESPACES)).items}
            assert "only-in-alpha" in alpha_names and "only-in-alpha" not in beta_names
            assert service.client_for("alpha") is service.client_for("alpha")
        finally:
            await service.aclose()

    asyncio.run(scenario())
    listed = service.list_clusters(admin)
    assert [(c.name, c.status, c.status.label("zh-CN")) for c in listed] == [
        ("alpha", ClusterStatus.RUNNING, "运行中"),
        ("beta", ClusterStatus.RUNNING, "运行中"),
    ]
    assert listed[0].version.startswith("v1.")
    stored = db.scalar(select(Cluster.kubeconfig).where(Cluster.name == "alpha"))
    assert cluster_a.token.encode() not in stored
    assert audit(db) == [("root", "cluster.join", "alpha", "ok"), ("root", "cluster.join", "beta", "ok")]


def test_a_refused_join_keeps_nothing_but_the_audit_entry(db, service, admin, cluster_a):
    ca = cluster_a.ca_file.read_bytes()
    dead = kubeconfig(f"https://127.0.0.1:{free_port()}", cluster_a.token, ca)
    with pytest.raises(JoinRefused) as refused:
        asyncio.run(service.join(admin, "dead", dead))
    assert refused.value.result.code == "unreachable"
    assert db.scalars(select(Cluster)).all() == []
    assert audit(db) == [("root", "cluster.join", "dead", "failed")]


def test_names_must_be_new_and_valid(db, service, admin, cluster_a):
    text = cluster_a.kubeconfig.read_text()
    asyncio.run(service.join(admin, "alpha", text))
    for name, code in (("alpha", "clusterNameTaken"), ("Bad_Name", "clusterNameInvalid")):
        with pytest.raises(JoinRefused) as refused:
            asyncio.run(service.join(admin, name, text))
        assert refused.value.result.code == code
    assert refused.value.result.message("zh-CN").startswith("集群名称")


def test_only_the_admin_joins_and_others_see_only_their_clusters(db, service, admin, cluster_a, cluster_b):
    asyncio.run(service.join(admin, "alpha", cluster_a.kubeconfig.read_text()))
    asyncio.run(service.join(admin, "beta", cluster_b.kubeconfig.read_text()))
    editor = add_user(db, "dev", bindings=(("ns-editor", "beta", "team-a"),))
    with pytest.raises(PermissionDenied):
        asyncio.run(service.join(editor, "gamma", cluster_a.kubeconfig.read_text()))
    assert [c.name for c in service.list_clusters(editor)] == ["beta"]
    assert audit(db)[-1] == ("dev", "cluster.join", None, "denied")


def test_a_stopped_cluster_becomes_unreachable_and_its_calls_fail_cleanly(
    db, service, admin, clock, cluster_a, cluster_b
):
    async def scenario():
        try:
            await service.join(admin, "alpha", cluster_a.kubeconfig.read_text())
            await service.join(admin, "beta", cluster_b.kubeconfig.read_text())
            client = service.client_for("alpha")
            cluster_a.stop()
            clock.now += timedelta(minutes=1)
            checked = {info.name: info for info in await service.check_all()}
            assert checked["alpha"].status is ClusterStatus.UNREACHABLE
            assert "unreachable" in checked["alpha"].problem
            assert checked["beta"].status is ClusterStatus.RUNNING
            assert checked["alpha"].last_check == checked["beta"].last_check == clock.now
            with pytest.raises(ClusterUnreachable):
                await client.list(NAMESPACES)
            assert (await service.client_for("beta").get(NAMESPACES, "default"))["metadata"]["name"] == "default"
        finally:
            await service.aclose()

    asyncio.run(scenario())
    assert [c.status.label("en") for c in service.list_clusters(admin)] == ["Unreachable", "Running"]
    assert service.list_clusters(admin)[0].status.label("zh-CN") == "异常"


def test_removing_a_cluster_forgets_it_and_its_client(db, service, admin, cluster_a):
    async def scenario():
        await service.join(admin, "alpha", cluster_a.kubeconfig.read_text())
        service.client_for("alpha")
        await service.remove(admin, "alpha")
        with pytest.raises(UnknownCluster):
            service.client_for("alpha")
        assert await service.check_all() == []

    asyncio.run(scenario())
    assert audit(db)[-1] == ("root", "cluster.remove", "alpha", "ok")


def test_the_local_cluster_is_registered_once_and_follows_its_kubeconfig(db, service, tmp_path, cluster_a):
    text = cluster_a.kubeconfig.read_text()

    async def scenario():
        try:
            first = await service.register_local(text)
            again = await service.register_local(text)
            assert first.status is again.status is ClusterStatus.RUNNING
            assert db.scalars(select(Cluster.name)).all() == ["local"]
            # A restart on another port rewrites the kubeconfig; the old client must not be kept.
            cluster_a.stop()
            moved = start_cluster(cluster_a.config.data_dir)
            try:
                info = await service.register_local(moved.kubeconfig.read_text())
                assert info.status is ClusterStatus.RUNNING
                assert moved.url in service.client_for("local").server
            finally:
                moved.stop()
        finally:
            await service.aclose()

    asyncio.run(scenario())
    assert audit(db) == [("jobyard", "cluster.join", "local", "ok")]


def test_a_local_cluster_not_answering_yet_stays_joining(db, service, cluster_a):
    ca = cluster_a.ca_file.read_bytes()
    not_yet = kubeconfig(f"https://127.0.0.1:{free_port()}", cluster_a.token, ca)
    info = asyncio.run(service.register_local(not_yet))
    assert (info.status, info.status.label("zh-CN")) == (ClusterStatus.JOINING, "接入中")
