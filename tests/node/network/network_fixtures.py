"""Real pod networks for tests: a bridge, CIDR and nftables tables of each test's own, removed however it ends."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobyard.cluster.node.network import PodNetwork
from jobyard.cluster.node.network.pods import NETNS_DIR
from jobyard.cluster.node.network.services import ServiceProxy


def missing_for_real_networking() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces, veth pairs and nftables tables"
    for tool in ("ip", "nft", "nsenter", "busybox"):
        if shutil.which(tool) is None:
            return f"needs {tool} on PATH"
    return None


needs_root = pytest.mark.skipif(missing_for_real_networking() is not None, reason=str(missing_for_real_networking()))


def random_pod_cidr() -> str:
    """A /24 in 10.200.0.0/13: clear of the service range (10.96.0.0/12) and of other runs' bridges."""
    return f"10.{random.randint(200, 207)}.{random.randint(0, 255)}.0/24"


class Network:
    """A :class:`PodNetwork` with a unique bridge, table and CIDR, driven from synchronous tests."""

    def __init__(self, state_dir: Path) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.pod_network = PodNetwork(
            state_dir, pod_cidr=random_pod_cidr(), bridge=f"jyt{self.tag}", nft_table=f"jyt-{self.tag}"
        )
        self.servers: list[subprocess.Popen[bytes]] = []

    def setup(self, pod_uid: str | None = None) -> tuple[Path, str]:
        netns, address = asyncio.run(self.pod_network.setup(pod_uid or str(uuid.uuid4())))
        assert netns is not None
        return netns, address

    def serve(self, netns: Path | None, root: Path, port: int, body: str) -> None:
        """busybox httpd serving ``body`` at / on ``port``, in ``netns`` (None: the host)."""
        root.mkdir(parents=True, exist_ok=True)
        (root / "index.html").write_text(body)
        command = ["busybox", "httpd", "-f", "-p", str(port), "-h", str(root)]
        self.servers.append(subprocess.Popen(in_netns(netns, command)))

    def close(self) -> None:
        for server in self.servers:
            server.kill()
            server.wait()
        try:
            asyncio.run(self.pod_network.remove())
        finally:
            self._sweep()

    def _sweep(self) -> None:
        """Whatever ``remove`` left, by this test's unique names, so a failing test leaks nothing."""
        bridge = self.pod_network.bridge
        for netns in NETNS_DIR.glob(f"{bridge}-*"):
            subprocess.run(["ip", "netns", "del", netns.name], check=False)
        subprocess.run(["ip", "link", "del", bridge], check=False, capture_output=True)
        subprocess.run(["nft", "delete", "table", "inet", self.pod_network.nft_table], check=False, capture_output=True)


def in_netns(netns: Path | None, command: list[str]) -> list[str]:
    return command if netns is None else ["nsenter", f"--net={netns}", *command]


def fetch(url: str, netns: Path | None = None, timeout: float = 5.0) -> str:
    """``busybox wget`` of ``url`` from ``netns`` (None: the host), retried while the server starts."""
    deadline = time.monotonic() + timeout
    while True:
        # Debian's busybox 1.35 wget crashes with -T, so the time limit is the caller's.
        done = subprocess.run(
            in_netns(netns, ["busybox", "wget", "-q", "-O", "-", url]), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode == 0 or time.monotonic() > deadline:
            assert done.returncode == 0, f"wget {url} failed: {done.stderr}"
            return done.stdout
        time.sleep(0.05)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    network = Network(tmp_path / "network")
    try:
        yield network
    finally:
        network.close()


@pytest.fixture
def service_proxy() -> Iterator[ServiceProxy]:
    proxy = ServiceProxy(table=f"jyt-services-{uuid.uuid4().hex[:8]}")
    try:
        yield proxy
    finally:
        subprocess.run(["nft", "delete", "table", "ip", proxy.table], check=False, capture_output=True)
