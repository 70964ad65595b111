"""Services as nftables rules, as kube-proxy's nftables mode writes them.

:func:`service_ruleset` is pure: Services and Endpoints in, the text of one
nftables table out. :class:`ServiceProxy` replaces that table in one ``nft``
transaction, so packets never see a half-written rule set.

Frontends: each service port on its ClusterIP, on its externalIPs and
LoadBalancer ingress IPs (at the service port), and its nodePort on every
address of the node (``fib daddr type local``: the node IP, 127.0.0.1, the
pod bridge). Traffic from pods is DNATed in prerouting, traffic of the node
itself in output; a random ``numgen`` picks one ready endpoint. A frontend
without ready endpoints is rejected, so clients fail at once instead of
timing out.

Every service connection is masqueraded. Upstream masquerades only traffic
from outside the pod network and hairpin traffic, and counts on br_netfilter
to un-NAT replies a pod sends straight to another pod on the same bridge;
masquerading all of it works without br_netfilter, at the price of pods
seeing the node's bridge address as the client.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.client import LocalClient
from jobyard.cluster.controllers import Controller

from ._commands import run

__all__ = ["MASQUERADE_MARK", "SERVICES_TABLE", "ServiceProxy", "ServiceProxyController", "service_ruleset"]

Obj = dict[str, Any]

SERVICES_TABLE = "jobyard-services"
# The packet mark bit kube-proxy uses for "masquerade this"; a node runs one service proxy.
MASQUERADE_MARK = 0x4000
PROXIED_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


@dataclass(frozen=True)
class _ServicePort:
    """One port of one service, with its frontends and the endpoints behind it."""

    label: str
    protocol: str
    addresses: tuple[str, ...]
    port: int
    node_port: int | None
    endpoints: tuple[tuple[str, int], ...]

    @property
    def chain(self) -> str:
        return "svc-" + _digest(f"{self.label}/{self.protocol}")

    def endpoint_chain(self, ip: str, port: int) -> str:
        return "ep-" + _digest(f"{self.label}/{self.protocol}/{ip}:{port}")


def service_ruleset(services: Iterable[Obj], endpoints: Iterable[Obj], table: str = SERVICES_TABLE) -> str:
    """The nftables table (``table ip NAME { ... }``) that proxies ``services`` to their ready ``endpoints``."""
    endpoints_by_key = {_key(obj): obj for obj in endpoints}
    service_ports = [
        service_port
        for service in sorted(services, key=_key)
        for service_port in _service_ports(service, endpoints_by_key.get(_key(service)))
    ]
    services_map: list[str] = []
    node_ports_map: list[str] = []
    closed_services: list[str] = []
    closed_node_ports: list[str] = []
    chains: list[str] = []
    for service_port in service_ports:
        frontends = [f"{address} . {service_port.protocol} . {service_port.port}" for address in service_port.addresses]
        node_port = f"{service_port.protocol} . {service_port.node_port}" if service_port.node_port else None
        if not service_port.endpoints:
            closed_services += frontends
            closed_node_ports += [node_port] if node_port else []
            continue
        services_map += [f"{frontend} : goto {service_port.chain}" for frontend in frontends]
        node_ports_map += [f"{node_port} : goto {service_port.chain}"] if node_port else []
        chains.append(_service_chain(service_port))
        chains += [_endpoint_chain(service_port, ip, port) for ip, port in service_port.endpoints]
    mark = f"0x{MASQUERADE_MARK:x}"
    return (
        f"table ip {table} {{\n"
        + _collection("map services", "ipv4_addr . inet_proto . inet_service : verdict", services_map)
        + _collection("map node-ports", "inet_proto . inet_service : verdict", node_ports_map)
        + _collection("set no-endpoint-services", "ipv4_addr . inet_proto . inet_service", closed_services)
        + _collection("set no-endpoint-node-ports", "inet_proto . inet_service", closed_node_ports)
        + _chain(
            "frontends",
            "ip daddr . meta l4proto . th dport vmap @services",
            "fib daddr type local meta l4proto . th dport vmap @node-ports",
        )
        + _chain("nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", "jump frontends")
        # nft names the dstnat priority (-100) only for prerouting.
        + _chain("nat-output", "type nat hook output priority -100; policy accept;", "jump frontends")
        + _chain(
            "nat-postrouting",
            "type nat hook postrouting priority srcnat; policy accept;",
            f"meta mark & {mark} == {mark} masquerade",
        )
        + _chain(
            "filter-forward",
            "type filter hook forward priority filter; policy accept;",
            "ip daddr . meta l4proto . th dport @no-endpoint-services reject",
        )
        + _chain(
            "filter-output",
            "type filter hook output priority filter; policy accept;",
            "ip daddr . meta l4proto . th dport @no-endpoint-services reject",
        )
        + _chain(
            "filter-input",
            "type filter hook input priority filter; policy accept;",
            "meta l4proto . th dport @no-endpoint-node-ports reject",
        )
        + "".join(chains)
        + "}\n"
    )


def _service_ports(service: Obj, endpoints: Obj | None) -> list[_ServicePort]:
    spec: Obj = service.get("spec") or {}
    if spec.get("type", "ClusterIP") not in PROXIED_TYPES or not _is_ipv4(spec.get("clusterIP")):
        return []
    addresses = [spec["clusterIP"], *(spec.get("externalIPs") or [])]
    addresses += [ingress.get("ip") for ingress in _status(service).get("loadBalancer", {}).get("ingress") or []]
    unique_addresses = tuple(sorted({address for address in addresses if _is_ipv4(address)}))
    namespace, name = _key(service)
    ports: list[_ServicePort] = []
    for port in spec.get("ports") or []:
        port_name = port.get("name") or ""
        protocol = (port.get("protocol") or "TCP").lower()
        ports.append(
            _ServicePort(
                label=f"{namespace}/{name}:{port_name or port.get('port')}",
                protocol=protocol,
                addresses=unique_addresses,
                port=int(port["port"]),
                node_port=int(port["nodePort"]) if spec["type"] in NODE_PORT_TYPES and port.get("nodePort") else None,
                endpoints=_ready_endpoints(endpoints, port_name, protocol),
            )
        )
    return ports


def _ready_endpoints(endpoints: Obj | None, port_name: str, protocol: str) -> tuple[tuple[str, int], ...]:
    """The ``(ip, port)`` pairs serving the service port named ``port_name``; Endpoints ports carry its name."""
    found: set[tuple[str, int]] = set()
    for subset in (endpoints or {}).get("subsets") or []:
        for port in subset.get("ports") or []:
            if (port.get("name") or "") != port_name or (port.get("protocol") or "TCP").lower() != protocol:
                continue
            found |= {(address["ip"], int(port["port"])) for address in subset.get("addresses") or []}
    return tuple(sorted(found))


def _service_chain(service_port: _ServicePort) -> str:
    choices = ", ".join(
        f"{index} : goto {service_port.endpoint_chain(ip, port)}"
        for index, (ip, port) in enumerate(service_port.endpoints)
    )
    mark = f"0x{MASQUERADE_MARK:x}"
    return _chain(
        service_port.chain,
        f'meta mark set meta mark | {mark} comment "{service_port.label}/{service_port.protocol}"',
        f"numgen random mod {len(service_port.endpoints)} vmap {{ {choices} }}",
    )


def _endpoint_chain(service_port: _ServicePort, ip: str, port: int) -> str:
    return _chain(service_port.endpoint_chain(ip, port), f"meta l4proto {service_port.protocol} dnat to {ip}:{port}")


def _chain(name: str, *lines: str) -> str:
    return f"  chain {name} {{\n" + "".join(f"    {line}\n" for line in lines) + "  }\n"


def _collection(declaration: str, element_type: str, elements: list[str]) -> str:
    """A named set or map; nft refuses an empty ``elements`` clause, so an empty one has none."""
    listed = f"    elements = {{ {', '.join(sorted(set(elements)))} }}\n" if elements else ""
    return f"  {declaration} {{\n    type {element_type}\n{listed}  }}\n"


def _key(obj: Obj) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


def _status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def _is_ipv4(value: Any) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except (TypeError, ValueError):
        return False
    return True


def _digest(text: str) -> str:
    # nft chain names stay short and safe whatever a service is called; the comment names it.
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ServiceProxy:
    """Keeps the node's service table equal to :func:`service_ruleset` of what it is given."""

    def __init__(self, table: str = SERVICES_TABLE) -> None:
        self.table = table
        self._applied: str | None = None

    async def apply(self, services: Iterable[Obj], endpoints: Iterable[Obj]) -> bool:
        """Replace the table in one transaction; False when it already held exactly these rules."""
        ruleset = service_ruleset(services, endpoints, self.table)
        if ruleset == self._applied:
            return False
        await run(["nft", "-f", "-"], f"add table ip {self.table}\ndelete table ip {self.table}\n{ruleset}")
        self._applied = ruleset
        return True

    async def remove(self) -> None:
        await run(["nft", "-f", "-"], f"add table ip {self.table}\ndelete table ip {self.table}\n")
        self._applied = None


class ServiceProxyController(Controller):
    """Applies every Service and Endpoints change to the node's service table.

    All events share one key: the table is rebuilt whole from the current state,
    so a burst of changes costs one ``nft`` run once the previous one is done.
    """

    name = "service-proxy"
    watched = ("services", "endpoints")

    def __init__(self, client: LocalClient, proxy: ServiceProxy) -> None:
        super().__init__(client)
        self.proxy = proxy

    def keys_for(self, resource: str, obj: Obj) -> list[str]:
        return [SERVICES_TABLE]

    async def reconcile(self, key: str) -> float | None:
        await self.proxy.apply(self.client.peek_all("services"), self.client.peek_all("endpoints"))
        return None
