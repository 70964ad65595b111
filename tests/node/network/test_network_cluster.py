"""The whole chain on one node: pods in their namespaces, the Endpoints controller, the service proxy."""

import asyncio
import random
import subprocess
from pathlib import Path

from network_fixtures import Network, fetch, needs_root

from jobyard.cluster.client import LocalClient
from jobyard.cluster.clock import format_time
from jobyard.cluster.controllers import EndpointsController
from jobyard.cluster.node.network import ServiceProxy, ServiceProxyController
from jobyard.cluster.registry import Registry
from jobyard.cluster.server import _bootstrap
from jobyard.cluster.store import Store


def listed_table(table: str) -> str:
    return subprocess.run(["nft", "list", "table", "ip", table], capture_output=True, text=True).stdout


def ready_pod(client: LocalClient, name: str, ip: str) -> None:
    created = client.create(
        "pods",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {
                "nodeName": "node-1",
                "containers": [{"name": "c", "image": "busybox", "ports": [{"name": "web", "containerPort": 8080}]}],
            },
        },
    )
    ready = {"type": "Ready", "status": "True", "lastTransitionTime": format_time(client.now())}
    created["status"] = {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": [ready]}
    client.update("pods", created, subresource="status")


@needs_root
def test_a_service_created_through_the_api_reaches_its_pods(
    network: Network, service_proxy: ServiceProxy, tmp_path: Path
):
    store = Store(tmp_path / "cluster.db")
    registry = Registry(store)
    _bootstrap(registry)
    client = LocalClient(registry, "test")
    netns, ip = network.setup()
    network.serve(netns, tmp_path / "www", 8080, "served through the API")
    ready_pod(client, "web-0", ip)
    cluster_ip = f"10.{random.randint(96, 111)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    node_port = random.randint(30000, 32767)
    client.create(
        "services",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "type": "LoadBalancer",
                "clusterIP": cluster_ip,
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "web", "nodePort": node_port}],
            },
        },
    )

    async def serve_requests() -> list[str]:
        controllers = [
            EndpointsController(client, network.pod_network.node_ip),
            ServiceProxyController(client, service_proxy),
        ]
        tasks = [asyncio.create_task(controller.run()) for controller in controllers]
        try:
            node_ip = network.pod_network.node_ip
            for _ in range(500):
                table = await asyncio.to_thread(listed_table, service_proxy.table)
                if f"dnat to {ip}:8080" in table and f"{node_ip} . tcp . 80" in table:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError(f"the service table never proxied the pod: {table}")
            urls = [f"http://{cluster_ip}/", f"http://127.0.0.1:{node_port}/", f"http://{network.pod_network.node_ip}/"]
            return [await asyncio.to_thread(fetch, url) for url in urls]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    try:
        assert asyncio.run(serve_requests()) == ["served through the API"] * 3
    finally:
        store.close()
