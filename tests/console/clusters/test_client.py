"""KubeClient against a real embedded cluster over HTTPS: the verbs, errors as Status, watches, logs."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from jobyard.console.clusters import (
    CONFIGMAPS,
    NAMESPACES,
    PODS,
    ClusterUnreachable,
    KubeClient,
    KubeError,
    PatchStrategy,
    Propagation,
    Unreachability,
)

from .support import with_token

_names = itertools.count()


def run(scenario):
    return asyncio.run(scenario())


@pytest.fixture
def client_and_namespace(api_cluster):
    namespace = f"client-{next(_names)}"

    async def make():
        client = KubeClient(api_cluster.kubeconfig.read_text())
        await client.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        await client.aclose()

    asyncio.run(make())
    return api_cluster.kubeconfig.read_text(), namespace


def configmap(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}


def test_create_get_list_with_selectors_patch_and_delete(client_and_namespace):
    kubeconfig, namespace = client_and_namespace

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            created = await client.create(configmap("one", tier="web"), namespace=namespace)
            await client.create(configmap("two", tier="db"), namespace=namespace)
            assert created["metadata"]["managedFields"][0]["manager"] == "jobyard-console"
            assert (await client.get(CONFIGMAPS, "one", namespace=namespace))["data"] == {"k": "v"}

            by_label = await client.list(CONFIGMAPS, namespace=namespace, labels={"tier": "db"})
            assert [item["metadata"]["name"] for item in by_label.items] == ["two"]
            by_field = await client.list(CONFIGMAPS, namespace=namespace, fields={"metadata.name": "one"})
            assert [item["metadata"]["name"] for item in by_field.items] == ["one"]
            assert int(by_label.resource_version) > 0

            merged = await client.patch(CONFIGMAPS, "one", {"data": {"extra": "1"}}, namespace=namespace)
            assert merged["data"] == {"k": "v", "extra": "1"}
            strategic = await client.patch(
                CONFIGMAPS,
                "one",
                {"metadata": {"labels": {"tier": None}}},
                namespace=namespace,
                strategy=PatchStrategy.STRATEGIC,
            )
            assert "tier" not in strategic["metadata"].get("labels", {})

            # Foreground deletion waits for the garbage collector (not running here) behind a finalizer.
            await client.delete(CONFIGMAPS, "one", namespace=namespace, propagation=Propagation.FOREGROUND)
            marked = await client.get(CONFIGMAPS, "one", namespace=namespace)
            assert marked["metadata"]["finalizers"] == ["foregroundDeletion"]
            await client.delete(CONFIGMAPS, "two", namespace=namespace, propagation=Propagation.BACKGROUND)
            with pytest.raises(KubeError) as missing:
                await client.get(CONFIGMAPS, "two", namespace=namespace)
            assert (missing.value.code, missing.value.reason) == (404, "NotFound")
        finally:
            await client.aclose()

    run(scenario)


def test_a_dry_run_validates_and_stores_nothing(client_and_namespace):
    kubeconfig, namespace = client_and_namespace

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            answer = await client.create(configmap("dry"), namespace=namespace, dry_run=True)
            assert answer["metadata"]["name"] == "dry"
            assert (await client.list(CONFIGMAPS, namespace=namespace)).items == []
        finally:
            await client.aclose()

    run(scenario)


def test_an_invalid_object_raises_the_status_with_its_causes(client_and_namespace):
    kubeconfig, namespace = client_and_namespace

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            with pytest.raises(KubeError) as invalid:
                await client.create(configmap("Not_A_Name"), namespace=namespace)
        finally:
            await client.aclose()
        error = invalid.value
        assert (error.code, error.reason, error.status["kind"]) == (422, "Invalid", "Status")
        assert [cause["field"] for cause in error.causes] == ["metadata.name"]

    run(scenario)


def test_a_watch_resumes_from_a_lists_resource_version(client_and_namespace):
    kubeconfig, namespace = client_and_namespace

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            await client.create(configmap("before"), namespace=namespace)
            listed = await client.list(CONFIGMAPS, namespace=namespace)
            await client.create(configmap("after"), namespace=namespace)
            await client.patch(CONFIGMAPS, "after", {"data": {"k": "w"}}, namespace=namespace)
            events = []
            async for event in client.watch(CONFIGMAPS, namespace=namespace, resource_version=listed.resource_version):
                events.append((event.type, event.object["metadata"]["name"]))
                if len(events) == 2:
                    break
            assert events == [("ADDED", "after"), ("MODIFIED", "after")]
        finally:
            await client.aclose()

    run(scenario)


def test_logs_of_a_pod_that_never_ran_fail_with_the_servers_status(client_and_namespace):
    kubeconfig, namespace = client_and_namespace
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "idle"},
        "spec": {"containers": [{"name": "main", "image": "busybox"}]},
    }

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            await client.create(pod, namespace=namespace)
            with pytest.raises(KubeError) as refused:
                async for _ in client.logs("idle", namespace=namespace, container="main", tail_lines=5):
                    pass
            with pytest.raises(KubeError) as missing:
                async for _ in client.logs("absent", namespace=namespace):
                    pass
            assert (await client.get(PODS, "idle", namespace=namespace))["spec"]["containers"][0]["name"] == "main"
        finally:
            await client.aclose()
        assert refused.value.code == 400 and refused.value.status["kind"] == "Status"
        assert missing.value.code == 404

    run(scenario)


def test_version_and_node_count(api_cluster):
    async def scenario():
        client = KubeClient(api_cluster.kubeconfig.read_text())
        try:
            assert (await client.version())["gitVersion"].startswith("v1.")
            assert await client.node_count() == 0
        finally:
            await client.aclose()

    run(scenario)


def test_a_wrong_token_is_a_401_status(api_cluster):
    async def scenario():
        client = KubeClient(with_token(api_cluster.kubeconfig.read_text(), "not-the-token"))
        try:
            with pytest.raises(KubeError) as refused:
                await client.list(NAMESPACES)
        finally:
            await client.aclose()
        assert (refused.value.code, refused.value.reason) == (401, "Unauthorized")

    run(scenario)


def test_a_stopped_cluster_is_unreachable_on_every_call(cluster_a):
    kubeconfig = cluster_a.kubeconfig.read_text()
    cluster_a.stop()

    async def scenario():
        client = KubeClient(kubeconfig)
        try:
            for call in (client.version(), client.list(NAMESPACES), client.get(NAMESPACES, "default")):
                with pytest.raises(ClusterUnreachable) as down:
                    await call
                assert down.value.why is Unreachability.REFUSED
                assert (down.value.code, down.value.reason) == (503, "ServiceUnavailable")
        finally:
            await client.aclose()

    run(scenario)
