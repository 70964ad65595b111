import asyncio
import ipaddress
import json
import logging
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from network_fixtures import Network, fetch, in_netns, needs_root

from jobyard.cluster.node.network import PodNetwork
from jobyard.cluster.node.network import pods as pods_module
from jobyard.cluster.node.network.pods import primary_ipv4


def test_the_node_ip_is_the_default_routes_source():
    route = subprocess.run(["ip", "-4", "route", "get", "198.51.100.1"], capture_output=True, text=True)
    if route.returncode != 0:
        pytest.skip(f"this machine has no IPv4 default route: {route.stderr.strip()}")
    words = route.stdout.split()
    assert primary_ipv4() == words[words.index("src") + 1]


def test_without_root_pods_share_the_host_network(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(pods_module.os, "geteuid", lambda: 1000)
    with caplog.at_level(logging.WARNING):
        network = PodNetwork(tmp_path, pod_cidr="10.88.0.0/16")
    assert not network.isolated
    assert "not running as root; pods share the host network" in caplog.text
    assert asyncio.run(network.setup("pod-uid")) == (None, network.node_ip)
    asyncio.run(network.teardown("pod-uid"))
    assert not (tmp_path / "ipam.json").exists()


@needs_root
def test_pods_reach_each_other_and_the_node_reaches_them(network: Network, tmp_path):
    server_netns, server_ip = network.setup()
    client_netns, client_ip = network.setup()
    assert server_ip != client_ip
    assert ipaddress.ip_address(server_ip) in network.pod_network.cidr
    network.serve(server_netns, tmp_path / "www", 8080, "hello from a pod")
    assert fetch(f"http://{server_ip}:8080/", client_netns) == "hello from a pod"
    assert fetch(f"http://{server_ip}:8080/") == "hello from a pod"


@needs_root
def test_a_pod_talks_raw_tcp_to_another_with_nc(network: Network):
    listener_netns, listener_ip = network.setup()
    sender_netns, _ = network.setup()
    listener = subprocess.Popen(
        in_netns(listener_netns, ["busybox", "nc", "-l", "-p", "9000"]), stdout=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 5
        while subprocess.run(
            in_netns(sender_netns, ["busybox", "nc", listener_ip, "9000"]), input="ping over tcp\n", text=True
        ).returncode:
            assert time.monotonic() < deadline, "nc never connected"
            time.sleep(0.05)
        out, _ = listener.communicate(timeout=5)
    finally:
        listener.kill()
    assert out == "ping over tcp\n"


@needs_root
def test_a_pod_reaches_the_node_through_its_gateway_and_the_node_ip(network: Network, tmp_path):
    pod_netns, _ = network.setup()
    port = 20000 + uuid.uuid4().int % 10000
    network.serve(None, tmp_path / "node", port, "hello from the node")
    assert fetch(f"http://{network.pod_network.gateway}:{port}/", pod_netns) == "hello from the node"
    assert fetch(f"http://{network.pod_network.node_ip}:{port}/", pod_netns) == "hello from the node"


@needs_root
def test_traffic_leaving_the_pod_network_is_masqueraded(network: Network, tmp_path):
    """An 'outside' namespace that has no route back to the pod CIDR still gets answers to pods' requests."""
    outside = f"jytout-{network.tag}"
    host_end, outside_end = f"jyo{network.tag}", "eth0"
    subnet = f"172.31.{uuid.uuid4().int % 250}"
    commands = (
        f"netns add {outside}\n"
        f"link add {host_end} type veth peer name {outside_end} netns {outside}\n"
        f"addr add {subnet}.1/30 dev {host_end}\n"
        f"link set {host_end} up\n"
    )
    subprocess.run(["ip", "-batch", "-"], input=commands, text=True, check=True)
    try:
        inside = f"link set lo up\naddr add {subnet}.2/30 dev {outside_end}\nlink set {outside_end} up\n"
        subprocess.run(["ip", "-netns", outside, "-batch", "-"], input=inside, text=True, check=True)
        pod_netns, _ = network.setup()
        network.serve(Path("/run/netns") / outside, tmp_path / "outside", 8080, "hello from outside")
        assert fetch(f"http://{subnet}.2:8080/", pod_netns) == "hello from outside"
    finally:
        subprocess.run(["ip", "link", "del", host_end], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", outside], check=False)


@needs_root
def test_setup_takes_well_under_30_ms_per_pod(network: Network):
    network.setup()  # the first pod also creates the bridge and the nftables table
    count = 20
    started = time.perf_counter()
    for _ in range(count):
        network.setup()
    per_pod_ms = (time.perf_counter() - started) * 1000 / count
    print(f"pod network setup: {per_pod_ms:.1f} ms per pod")
    assert per_pod_ms < 30


@needs_root
def test_setup_again_answers_the_same_namespace_and_address(network: Network):
    first = network.setup("pod-a")
    assert network.setup("pod-a") == first
    assert first[0].name == f"{network.pod_network.bridge}-pod-a"


@needs_root
def test_teardown_removes_the_namespace_and_frees_the_address(network: Network):
    netns, address = network.setup("pod-a")
    asyncio.run(network.pod_network.teardown("pod-a"))
    asyncio.run(network.pod_network.teardown("pod-a"))
    assert not netns.exists()
    ports = Path("/sys/class/net") / network.pod_network.bridge / "brif"
    deadline = time.monotonic() + 5
    while any(ports.iterdir()):
        assert time.monotonic() < deadline, "the pod's veth stayed on the bridge"
        time.sleep(0.02)
    _, next_address = network.setup("pod-b")
    assert next_address != address, "a just-freed address is not handed out again at once"


@needs_root
def test_a_restarted_node_keeps_addresses_and_reconcile_frees_the_rest(network: Network):
    kept_netns, kept_address = network.setup("kept")
    gone_netns, _ = network.setup("gone")
    old = network.pod_network
    restarted = PodNetwork(old.state_dir, pod_cidr=str(old.cidr), bridge=old.bridge, nft_table=old.nft_table)
    network.pod_network = restarted
    assert network.setup("kept") == (kept_netns, kept_address)
    asyncio.run(restarted.reconcile({"kept"}))
    assert not gone_netns.exists()
    assert kept_netns.exists()
    assert json.loads((old.state_dir / "ipam.json").read_text())["allocations"] == {"kept": kept_address}


@needs_root
def test_a_pod_uid_that_could_inject_ip_commands_is_refused(network: Network):
    with pytest.raises(ValueError, match="may hold only"):
        network.setup("pod\nlink del eth0")


@needs_root
def test_pods_come_and_go_without_running_a_process(network: Network, monkeypatch):
    network.setup()  # the first pod also loads the nftables table, with nft

    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)
    monkeypatch.setattr(pods_module.os, "fork", refuse)
    netns, _ = network.setup("pod-a")
    asyncio.run(network.pod_network.teardown("pod-a"))
    assert not netns.exists()


@needs_root
def test_a_pods_bridge_port_allows_hairpins_and_its_namespace_routes_via_the_gateway(network: Network):
    netns, address = network.setup("pod-a")
    veth = Path("/sys/class/net") / network.pod_network._host_veth("pod-a")
    assert (veth / "brport" / "hairpin_mode").read_text().strip() == "1"
    assert (veth / "master").resolve().name == network.pod_network.bridge
    routes = subprocess.run(
        in_netns(netns, ["ip", "-4", "route"]), capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert f"default via {network.pod_network.gateway} dev eth0" in [line.strip() for line in routes]
    links = subprocess.run(in_netns(netns, ["ip", "-br", "-4", "addr"]), capture_output=True, text=True).stdout
    assert f"{address}/{network.pod_network.cidr.prefixlen}" in links
    bridge_conf = Path("/proc/sys/net/ipv4/conf") / network.pod_network.bridge
    assert (bridge_conf / "route_localnet").read_text().strip() == "1"


@needs_root
def test_a_failed_setup_leaves_no_namespace_link_or_address(network: Network, monkeypatch):
    network.setup()

    def unreachable_gateway(self, gateway):
        raise pods_module.NetworkError("no route for you")

    monkeypatch.setattr(pods_module.RouteSocket, "add_default_route", unreachable_gateway)
    with pytest.raises(pods_module.NetworkError, match="no route for you"):
        network.setup("pod-a")
    assert not network.pod_network.netns_path("pod-a").exists()
    assert not (Path("/sys/class/net") / network.pod_network._host_veth("pod-a")).exists()
    assert network.pod_network._pool.get("pod-a") is None


@needs_root
def test_remove_takes_everything_down_and_again_does_nothing(network: Network):
    pod_network = network.pod_network
    netns, _ = network.setup("pod-a")
    asyncio.run(pod_network.remove())
    assert not netns.exists()
    assert not (Path("/sys/class/net") / pod_network.bridge).exists()
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout
    assert f"table inet {pod_network.nft_table}\n" not in tables
    asyncio.run(pod_network.remove())
    assert network.setup("pod-b")[0].exists(), "a removed network comes back with the next pod"


@needs_root
def test_a_cancelled_setup_leaves_no_namespace_behind(network: Network, monkeypatch):
    network.setup()
    pod_network = network.pod_network
    create_pod_links = pod_network._create_pod_links

    def slow_create_pod_links(*args):
        time.sleep(0.2)
        create_pod_links(*args)

    monkeypatch.setattr(pod_network, "_create_pod_links", slow_create_pod_links)

    async def cancel_midway():
        setup = asyncio.create_task(pod_network.setup("pod-a"))
        await asyncio.sleep(0.05)
        setup.cancel()
        with pytest.raises(asyncio.CancelledError):
            await setup

    asyncio.run(cancel_midway())
    assert not pod_network.netns_path("pod-a").exists()
    assert pod_network._pool.get("pod-a") is None
