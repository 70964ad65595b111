import asyncio

from jobyard.cluster.controllers import PodGarbageCollector

START = 1_800_000_000.0


def bound_pod(client, node="ghost"):
    return client.create(
        "pods",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "busybox"}]},
        },
    )


def reconcile(client):
    return asyncio.run(_reconcile(client))


async def _reconcile(client):
    controller = PodGarbageCollector(client, quarantine_seconds=40)
    first = await controller.reconcile("default/p")
    return controller, first


def test_a_pod_on_a_missing_node_waits_out_the_quarantine(in_process):
    client, _ = in_process
    bound_pod(client)
    _, delay = reconcile(client)
    assert delay == 40
    assert client.find("pods", "default", "p") is not None


def test_after_the_quarantine_the_pod_is_failed_and_deleted(in_process):
    client, now = in_process
    bound_pod(client)

    async def scenario():
        controller = PodGarbageCollector(client, quarantine_seconds=40)
        await controller.reconcile("default/p")
        now[0] += 41
        return await controller.reconcile("default/p")

    assert asyncio.run(scenario()) is None
    assert client.find("pods", "default", "p") is None


def test_a_pod_whose_node_exists_is_left_alone(in_process):
    client, _ = in_process
    client.create("nodes", "", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "real"}})
    bound_pod(client, node="real")
    _, delay = reconcile(client)
    assert delay is None
    assert client.find("pods", "default", "p") is not None
