"""The garbage collector's decisions, one sweep at a time over an in-process registry."""

import asyncio

import pytest

from jobyard.cluster.controllers import GarbageCollector
from jobyard.cluster.registry import DeleteOptions


@pytest.fixture
def client(in_process):
    return in_process[0]


def configmap(name, owners=(), finalizers=()):
    meta = {"name": name}
    if owners:
        meta["ownerReferences"] = [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": o["metadata"]["name"],
                "uid": o["metadata"]["uid"],
                **extra,
            }
            for o, extra in owners
        ]
    if finalizers:
        meta["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}


def names(client):
    return sorted(o["metadata"]["name"] for o in client.list("configmaps", "default"))


def sweep(client):
    """A collector that starts now: it builds its graph from every stored object, as its watches'
    first lists do, then decides what that graph holds work for."""
    collector = GarbageCollector(client)
    for resource in collector.watched:
        for obj in client.peek_all(resource):
            collector.observe(resource, "ADDED", obj)
    asyncio.run(collector.recheck())


def test_a_dependent_whose_only_owner_is_gone_is_deleted(client):
    owner = client.create("configmaps", "default", configmap("owner"))
    client.create("configmaps", "default", configmap("child", [(owner, {})]))
    client.delete("configmaps", "default", "owner", DeleteOptions(propagation_policy="Background"))
    sweep(client)
    assert names(client) == []


def test_a_dependent_with_a_live_owner_loses_only_the_dangling_reference(client):
    alive = client.create("configmaps", "default", configmap("alive"))
    gone = client.create("configmaps", "default", configmap("gone"))
    client.create("configmaps", "default", configmap("child", [(alive, {}), (gone, {})]))
    client.delete("configmaps", "default", "gone")
    sweep(client)
    child = client.get("configmaps", "default", "child")
    assert [ref["name"] for ref in child["metadata"]["ownerReferences"]] == ["alive"]


def test_orphan_deletion_strips_the_owner_reference_then_removes_the_owner(client):
    owner = client.create("configmaps", "default", configmap("owner"))
    client.create("configmaps", "default", configmap("child", [(owner, {})]))
    client.delete("configmaps", "default", "owner", DeleteOptions(propagation_policy="Orphan"))
    assert client.get("configmaps", "default", "owner")["metadata"]["finalizers"] == ["orphan"]
    sweep(client)
    assert names(client) == ["child"]
    assert "ownerReferences" not in client.get("configmaps", "default", "child")["metadata"]


def test_foreground_deletion_keeps_the_owner_until_blocking_dependents_are_gone(client):
    owner = client.create("configmaps", "default", configmap("owner"))
    client.create(
        "configmaps", "default", configmap("child", [(owner, {"blockOwnerDeletion": True})], finalizers=["test/hold"])
    )
    client.delete("configmaps", "default", "owner", DeleteOptions(propagation_policy="Foreground"))
    sweep(client)
    assert names(client) == ["child", "owner"]
    assert client.get("configmaps", "default", "child")["metadata"].get("deletionTimestamp")
    child = client.get("configmaps", "default", "child")
    child["metadata"]["finalizers"] = []
    client.update("configmaps", child)
    sweep(client)
    assert names(client) == []


def test_an_owner_of_the_same_name_but_another_uid_does_not_keep_a_dependent(client):
    owner = client.create("configmaps", "default", configmap("owner"))
    client.create("configmaps", "default", configmap("child", [(owner, {})]))
    client.delete("configmaps", "default", "owner")
    client.create("configmaps", "default", configmap("owner"))
    sweep(client)
    assert names(client) == ["owner"]


def test_a_recheck_hands_the_loop_back_between_batches_and_still_decides_everything(client):
    owner = client.create("configmaps", "default", configmap("owner"))
    for number in range(1200):
        client.create("configmaps", "default", configmap(f"child-{number:04d}", [(owner, {})]))
    collector = GarbageCollector(client)
    for obj in client.peek_all("configmaps"):
        collector.observe("configmaps", "ADDED", obj)
    client.delete("configmaps", "default", "owner")  # the collector is not told
    turns = 0

    async def other_work() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    async def recheck_beside_other_work() -> None:
        other = asyncio.create_task(other_work())
        await asyncio.sleep(0)
        started = turns
        await collector.recheck()
        other.cancel()
        assert turns - started >= 2  # 1,200 dependents: at least two hand-backs of 500

    asyncio.run(recheck_beside_other_work())
    assert names(client) == []
