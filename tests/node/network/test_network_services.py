import asyncio
import random
import subprocess
import time
from pathlib import Path

import pytest
from network_fixtures import Network, fetch, in_netns, needs_root

from jobyard.cluster.node.network.services import ServiceProxy, service_ruleset


def service(name="web", kind="ClusterIP", cluster_ip="10.96.0.10", ports=None, ingress=None, external_ips=None):
    spec = {
        "type": kind,
        "clusterIP": cluster_ip,
        "ports": ports if ports is not None else [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
    }
    if external_ips:
        spec["externalIPs"] = external_ips
    status = {"loadBalancer": {"ingress": [{"ip": ip} for ip in ingress or []]}}
    return {"metadata": {"namespace": "default", "name": name}, "spec": spec, "status": status}


def endpoints(name="web", addresses=(("10.88.0.5", 8080),), port_name="http", not_ready=()):
    subsets = [
        {
            "addresses": [{"ip": ip}],
            "notReadyAddresses": [{"ip": address} for address in not_ready],
            "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
        }
        for ip, port in addresses
    ]
    return {"metadata": {"namespace": "default", "name": name}, "subsets": subsets}


def test_a_cluster_ip_port_goes_to_its_ready_endpoints_at_random():
    rules = service_ruleset(
        [service()], [endpoints(addresses=[("10.88.0.5", 8080), ("10.88.0.6", 9090)], not_ready=["10.88.0.7"])]
    )
    assert "10.96.0.10 . tcp . 80 : goto svc-" in rules
    assert "numgen random mod 2 vmap" in rules
    assert "dnat to 10.88.0.5:8080" in rules
    assert "dnat to 10.88.0.6:9090" in rules
    assert "10.88.0.7" not in rules
    assert "tcp . 30" not in rules


def test_endpoints_are_matched_to_the_service_port_by_name():
    ports = [
        {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"},
        {"name": "metrics", "port": 9100, "protocol": "TCP", "targetPort": 9100},
    ]
    rules = service_ruleset([service(ports=ports)], [endpoints(addresses=[("10.88.0.5", 8080)], port_name="http")])
    assert "10.96.0.10 . tcp . 80 : goto" in rules
    assert "10.96.0.10 . tcp . 9100" in rules.split("set no-endpoint-services")[1].split("}")[0]


def test_a_service_without_ready_endpoints_is_rejected_not_left_to_time_out():
    rules = service_ruleset([service(kind="NodePort", ports=[{"port": 80, "protocol": "TCP", "nodePort": 30080}])], [])
    assert "elements = { 10.96.0.10 . tcp . 80 }" in rules
    assert "elements = { tcp . 30080 }" in rules
    assert "goto svc-" not in rules


def test_node_ports_only_for_node_port_and_load_balancer_services():
    port = [{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080}]
    cluster_ip = service_ruleset([service(ports=port)], [endpoints()])
    node_port = service_ruleset([service(kind="NodePort", ports=port)], [endpoints()])
    assert "tcp . 30080" not in cluster_ip
    assert "tcp . 30080 : goto svc-" in node_port


def test_a_load_balancer_is_a_node_port_plus_its_ingress_and_external_ips_at_the_service_port():
    port = [{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080}]
    rules = service_ruleset(
        [service(kind="LoadBalancer", ports=port, ingress=["192.0.2.2"], external_ips=["203.0.113.9"])],
        [endpoints()],
    )
    for frontend in ("10.96.0.10 . tcp . 80", "192.0.2.2 . tcp . 80", "203.0.113.9 . tcp . 80", "tcp . 30080"):
        assert f"{frontend} : goto svc-" in rules


@pytest.mark.parametrize(
    "skipped",
    [
        pytest.param(service(cluster_ip="None"), id="headless"),
        pytest.param(service(kind="ExternalName", cluster_ip=""), id="external name"),
    ],
)
def test_services_without_a_cluster_ip_are_not_proxied(skipped):
    assert "goto svc-" not in service_ruleset([skipped], [endpoints()])


def test_the_ruleset_is_the_same_text_whatever_the_input_order():
    services = [service("a", cluster_ip="10.96.0.10"), service("b", cluster_ip="10.96.0.11")]
    found = [endpoints("a"), endpoints("b", addresses=[("10.88.0.9", 8080)])]
    assert service_ruleset(services, found) == service_ruleset(services[::-1], found[::-1])


@needs_root
def test_nft_accepts_the_ruleset():
    rules = service_ruleset(
        [
            service(kind="LoadBalancer", ports=[{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080}]),
            service("dns", cluster_ip="10.96.0.53", ports=[{"name": "dns", "port": 53, "protocol": "UDP"}]),
            service("idle", cluster_ip="10.96.0.54", kind="NodePort", ports=[{"port": 1, "nodePort": 30001}]),
        ],
        [endpoints(addresses=[("10.88.0.5", 8080), ("10.88.0.6", 8080)])],
        table="jyt-check",
    )
    checked = subprocess.run(["nft", "--check", "-f", "-"], input=rules, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def random_cluster_ip() -> str:
    return f"10.{random.randint(96, 111)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def random_node_port() -> int:
    return random.randint(30000, 32767)


def apply(proxy: ServiceProxy, services: list[dict], found: list[dict]) -> bool:
    return asyncio.run(proxy.apply(services, found))


@needs_root
def test_a_cluster_ip_reaches_a_pod_from_the_node_from_another_pod_and_from_itself(
    network: Network, service_proxy: ServiceProxy, tmp_path: Path
):
    server_netns, server_ip = network.setup()
    client_netns, _ = network.setup()
    network.serve(server_netns, tmp_path / "www", 8080, "served through a ClusterIP")
    cluster_ip = random_cluster_ip()
    apply(service_proxy, [service(cluster_ip=cluster_ip)], [endpoints(addresses=[(server_ip, 8080)])])
    url = f"http://{cluster_ip}:80/"
    assert fetch(url) == "served through a ClusterIP"
    assert fetch(url, client_netns) == "served through a ClusterIP"
    assert fetch(url, server_netns) == "served through a ClusterIP", "hairpin: a pod reaches itself via its service"


@needs_root
def test_a_node_port_answers_on_the_node_ip_and_on_localhost(
    network: Network, service_proxy: ServiceProxy, tmp_path: Path
):
    server_netns, server_ip = network.setup()
    client_netns, _ = network.setup()
    network.serve(server_netns, tmp_path / "www", 8080, "served through a NodePort")
    node_port = random_node_port()
    ports = [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080, "nodePort": node_port}]
    apply(
        service_proxy,
        [service(kind="NodePort", cluster_ip=random_cluster_ip(), ports=ports)],
        [endpoints(addresses=[(server_ip, 8080)])],
    )
    node_ip = network.pod_network.node_ip
    assert fetch(f"http://{node_ip}:{node_port}/") == "served through a NodePort"
    assert fetch(f"http://127.0.0.1:{node_port}/") == "served through a NodePort"
    assert fetch(f"http://{node_ip}:{node_port}/", client_netns) == "served through a NodePort"


@needs_root
def test_connections_are_spread_over_the_endpoints(network: Network, service_proxy: ServiceProxy, tmp_path: Path):
    backends = []
    for index in range(2):
        netns, ip = network.setup()
        network.serve(netns, tmp_path / f"www{index}", 8080, f"backend {index}")
        fetch(f"http://{ip}:8080/")
        backends.append((ip, 8080))
    cluster_ip = random_cluster_ip()
    apply(service_proxy, [service(cluster_ip=cluster_ip)], [endpoints(addresses=backends)])
    answers = {fetch(f"http://{cluster_ip}/") for _ in range(30)}
    assert answers == {"backend 0", "backend 1"}


@needs_root
def test_a_service_without_endpoints_refuses_at_once(service_proxy: ServiceProxy):
    cluster_ip = random_cluster_ip()
    apply(service_proxy, [service(cluster_ip=cluster_ip)], [])
    started = time.monotonic()
    refused = subprocess.run(
        in_netns(None, ["busybox", "wget", "-q", "-O", "-", f"http://{cluster_ip}/"]),
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert refused.returncode != 0
    assert "refused" in refused.stderr
    assert time.monotonic() - started < 2


@needs_root
def test_the_table_is_replaced_whole_and_only_when_it_changes(service_proxy: ServiceProxy):
    first_ip, second_ip = random_cluster_ip(), random_cluster_ip()
    assert apply(service_proxy, [service(cluster_ip=first_ip)], [endpoints()])
    assert not apply(service_proxy, [service(cluster_ip=first_ip)], [endpoints()])
    assert apply(service_proxy, [service(cluster_ip=second_ip)], [endpoints()])
    listed = subprocess.run(
        ["nft", "list", "table", "ip", service_proxy.table], capture_output=True, text=True, check=True
    ).stdout
    assert second_ip in listed
    assert first_ip not in listed
    asyncio.run(service_proxy.remove())
    assert subprocess.run(["nft", "list", "table", "ip", service_proxy.table], capture_output=True).returncode != 0
