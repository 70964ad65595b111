"""Pod networking: a network namespace per pod on a Linux bridge, like the CNI ``bridge`` plugin.

Each pod gets a named network namespace (``/run/netns/<bridge>-<pod uid>``,
usable with ``nsenter --net=PATH``), a veth pair whose host end is a port of
the bridge, an address from the pod CIDR (``AddressPool``), ``lo`` up and a
default route via the bridge's address, the CIDR's first host. Pods reach
each other over the bridge, the node reaches them through the bridge's
address, and traffic leaving the CIDR is masqueraded behind the node by an
nftables table of our own.

Namespaces, links, addresses and routes are made over netlink, in threads:
no process per pod. Only the nftables table, once per node, is ``nft``'s.

Without root, or without ``nft``, pods share the host's network: ``setup``
answers ``(None, node_ip)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import os
import re
import shutil
import socket
from functools import cached_property
from pathlib import Path

from . import _netns
from ._commands import NetworkError, run
from ._netlink import RouteSocket
from .ipam import AddressPool

__all__ = ["NETNS_DIR", "PodNetwork"]

log = logging.getLogger(__name__)

# Where ``ip netns`` keeps named namespaces; a tmpfs, so none outlive a reboot.
NETNS_DIR = Path("/run/netns")
_SYS_NET = Path("/sys/class/net")
_PROC_IPV4 = Path("/proc/sys/net/ipv4")
# Linux interface names hold at most 15 bytes.
_IFNAME_MAX = 15
_POD_INTERFACE = "eth0"
_SAFE_UID = re.compile(r"[A-Za-z0-9_.-]{1,200}")
# Any address outside the local networks: the kernel answers for it with the default route's source.
_OUTSIDE_ADDRESS = "198.51.100.1"


def primary_ipv4() -> str:
    """The source address of the default route, or 127.0.0.1 on a node without one.

    Connecting a UDP socket only picks a route and a source address; nothing is sent.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((_OUTSIDE_ADDRESS, 9))
        except OSError:
            return "127.0.0.1"
        address: str = probe.getsockname()[0]
    return address


class PodNetwork:
    def __init__(
        self,
        state_dir: Path,
        pod_cidr: str = "10.88.0.0/16",
        bridge: str = "jobyard0",
        nft_table: str = "jobyard",
    ) -> None:
        if not 0 < len(bridge) <= _IFNAME_MAX:
            raise ValueError(f"bridge name {bridge!r} must have 1 to {_IFNAME_MAX} characters")
        self.cidr = ipaddress.IPv4Network(pod_cidr)
        self.bridge = bridge
        self.nft_table = nft_table
        self.state_dir = state_dir
        self._pool = AddressPool(self.cidr, state_dir / "ipam.json")
        self._bridge_ready = False
        self._bridge_lock = asyncio.Lock()
        missing = self._missing_requirement()
        self.isolated = missing is None
        if missing is not None:
            log.warning("pod network: %s; pods share the host network (address %s)", missing, self.node_ip)

    @staticmethod
    def _missing_requirement() -> str | None:
        if os.geteuid() != 0:
            return "not running as root"
        if shutil.which("nft") is None:
            return "the nft command (nftables) is missing"
        return None

    @cached_property
    def node_ip(self) -> str:
        """The address the node reports: the host's primary IPv4."""
        return primary_ipv4()

    @property
    def gateway(self) -> str:
        return str(self._pool.gateway)

    def netns_path(self, pod_uid: str) -> Path:
        return NETNS_DIR / self._netns_name(pod_uid)

    def _netns_name(self, pod_uid: str) -> str:
        # The uid becomes a file name in /run/netns; anything else could reach outside it.
        if not _SAFE_UID.fullmatch(pod_uid):
            raise ValueError(f"pod uid {pod_uid!r} may hold only letters, digits, '-', '_' and '.'")
        return f"{self.bridge}-{pod_uid}"

    def _host_veth(self, pod_uid: str) -> str:
        # Pod uids are longer than an interface name; a digest keeps the name short and stable.
        digest = hashlib.sha256(f"{self.bridge}/{pod_uid}".encode()).hexdigest()
        return "veth" + digest[: _IFNAME_MAX - len("veth")]

    async def setup(self, pod_uid: str) -> tuple[Path | None, str]:
        """The pod's network namespace and address, made on first call; again the same ones after."""
        if not self.isolated:
            return None, self.node_ip
        netns = self.netns_path(pod_uid)
        await self._ensure_bridge()
        address = self._pool.allocate(pod_uid)
        veth = self._host_veth(pod_uid)
        if netns.exists() and (_SYS_NET / veth).exists():
            return netns, address
        try:
            await self._remove_pod_links(pod_uid)
            creation = asyncio.ensure_future(asyncio.to_thread(self._create_pod_links, netns, veth, address))
            try:
                await asyncio.shield(creation)
            except asyncio.CancelledError:
                # The thread goes on regardless; undone before it ends, its namespace would outlive the rollback.
                await asyncio.wait([creation])
                raise
        except BaseException:
            await self._remove_pod_links(pod_uid)
            self._pool.release(pod_uid)
            raise
        return netns, address

    def _create_pod_links(self, netns: Path, veth: str, address: str) -> None:
        with RouteSocket() as host:

            def configure(netns_fd: int) -> None:
                host.add_veth(veth, master=self.bridge, peer=_POD_INTERFACE, peer_netns_fd=netns_fd)
                # A pod reaching itself through a Service: with br_netfilter the DNATed packet is bridged
                # back out of the port it came in by, which a bridge refuses unless the port allows hairpins.
                host.set_hairpin(veth)
                with RouteSocket() as pod:
                    pod.set_up("lo")
                    pod.add_address(_POD_INTERFACE, ipaddress.IPv4Interface(f"{address}/{self.cidr.prefixlen}"))
                    pod.set_up(_POD_INTERFACE)
                    pod.add_default_route(self._pool.gateway)

            _netns.create(netns, configure)

    async def teardown(self, pod_uid: str) -> None:
        """Remove the pod's namespace and veth pair and free its address; a second call does nothing."""
        if not self.isolated:
            return
        await self._remove_pod_links(pod_uid)
        self._pool.release(pod_uid)

    async def reconcile(self, keep_pod_uids: set[str]) -> None:
        """Tear down every pod not in ``keep_pod_uids``: addresses, namespaces and bridge ports left by a crash."""
        if not self.isolated:
            return
        prefix = f"{self.bridge}-"
        leftover = {name.removeprefix(prefix) for name in _names_in(NETNS_DIR) if name.startswith(prefix)}
        leftover |= self._pool.owners()
        known_veths = {self._host_veth(pod_uid) for pod_uid in leftover | keep_pod_uids}
        stray_ports = [port for port in _names_in(_SYS_NET / self.bridge / "brif") if port not in known_veths]
        for pod_uid in leftover - keep_pod_uids:
            await self.teardown(pod_uid)
        self._pool.save()
        if stray_ports:
            try:
                await asyncio.to_thread(_delete_links, stray_ports)
            except NetworkError as error:
                log.warning("pod network: removing stray bridge ports: %s", error)

    async def remove(self) -> None:
        """Take the whole pod network down; a second call finds nothing left to do.

        Every pod's namespace goes (so its veth pair, in the background) and
        its address is freed, whether or not the pod still runs; then any
        other port of the bridge, the bridge with its address, and the
        nftables table. The next ``setup`` makes the bridge and table again.
        """
        if not self.isolated:
            return
        await self.reconcile(set())
        await asyncio.to_thread(_delete_links, [self.bridge])
        await run(["nft", "-f", "-"], f"add table inet {self.nft_table}\ndelete table inet {self.nft_table}\n")
        self._bridge_ready = False

    async def _remove_pod_links(self, pod_uid: str) -> None:
        # Deleting the namespace takes its veth pair with it, in the background; deleting a veth
        # directly waits for the kernel's network-wide quiescence, ten times slower.
        if await asyncio.to_thread(_netns.delete, self.netns_path(pod_uid)):
            return
        veth = self._host_veth(pod_uid)
        if (_SYS_NET / veth).exists():
            await asyncio.to_thread(_delete_links, [veth])

    async def _ensure_bridge(self) -> None:
        if self._bridge_ready:
            return
        async with self._bridge_lock:
            if self._bridge_ready:
                return
            await asyncio.to_thread(self._create_bridge)
            # Pods reach anything beyond the bridge only through the node's routing.
            (_PROC_IPV4 / "ip_forward").write_text("1\n")
            # NodePorts on 127.0.0.1 are DNATed to pods by the node itself; such packets leave through
            # the bridge with a loopback source until masqueraded, which the kernel allows only here.
            (_PROC_IPV4 / "conf" / self.bridge / "route_localnet").write_text("1\n")
            await run(["nft", "-f", "-"], self._ruleset())
            self._bridge_ready = True

    def _create_bridge(self) -> None:
        _netns.prepare_directory(NETNS_DIR)
        with RouteSocket() as host:
            if not (_SYS_NET / self.bridge).exists():
                host.add_bridge(self.bridge)
            gateway = ipaddress.IPv4Interface(f"{self.gateway}/{self.cidr.prefixlen}")
            host.add_address(self.bridge, gateway, replace=True)
            host.set_up(self.bridge)

    def _ruleset(self) -> str:
        table = self.nft_table
        return (
            f"add table inet {table}\n"
            f"delete table inet {table}\n"
            f"table inet {table} {{\n"
            "  chain postrouting {\n"
            "    type nat hook postrouting priority srcnat; policy accept;\n"
            f'    ip saddr {self.cidr} ip daddr != {self.cidr} oifname != "{self.bridge}" masquerade\n'
            "  }\n"
            "  chain input {\n"
            "    type filter hook input priority filter; policy accept;\n"
            # route_localnet would otherwise let a pod reach the node's loopback-only services.
            f'    iifname "{self.bridge}" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop\n'
            "  }\n"
            "}\n"
        )


def _delete_links(names: list[str]) -> None:
    # Ports of namespaces deleted moments ago vanish on their own meanwhile: those are no failure.
    with RouteSocket() as host:
        for name in names:
            host.delete_link(name)


def _names_in(directory: Path) -> list[str]:
    try:
        return [entry.name for entry in directory.iterdir()]
    except FileNotFoundError:
        return []
