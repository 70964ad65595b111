"""The Service kind: defaults, validation, ClusterIP allocation, table."""

from __future__ import annotations

import ipaddress
from typing import Any

from jobyard.cluster.errors import Cause

from ._base import Column, ResourceType, metadata_field_labels
from ._causes import duplicate, invalid, not_supported, required
from ._names import dns1123_label, port_name
from ._tables import age_cell, age_column, described, format_labels, name_column

__all__ = ["NODE_PORT_RANGE", "SERVICE", "SERVICE_CIDR", "allocate_cluster_ip", "allocate_node_port"]

Obj = dict[str, Any]

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
PROTOCOLS = ("SCTP", "TCP", "UDP")
SESSION_AFFINITIES = ("ClientIP", "None")
CLIENT_IP_TIMEOUT_SECONDS = 10800


def allocate_cluster_ip(taken: set[str]) -> str:
    """The lowest free address of the service range, skipping the network address.

    The first host (10.96.0.1) is where upstream puts the ``kubernetes`` service,
    so it is handed out first, like upstream's allocator does for that service.
    """
    for address in SERVICE_CIDR.hosts():
        text = str(address)
        if text not in taken:
            return text
    raise ValueError(f"no free address left in {SERVICE_CIDR}")


NODE_PORT_RANGE = range(30000, 32768)


def allocate_node_port(taken: set[int]) -> int:
    """The lowest free port of upstream's NodePort range (30000-32767)."""
    for port in NODE_PORT_RANGE:
        if port not in taken:
            return port
    raise ValueError("range is full: no free node port left in 30000-32767")


def default_service(obj: Obj) -> None:
    spec: Obj = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "ClientIP":
        config: Obj = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
        config.setdefault("timeoutSeconds", CLIENT_IP_TIMEOUT_SECONDS)
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if spec["type"] != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
        # Upstream's REST layer fills the IP family fields; we serve IPv4 only.
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])
        if spec.get("clusterIP") and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [spec["clusterIP"]]


def validate_service(obj: Obj, old: Obj | None) -> list[Cause]:
    spec: Obj = obj.get("spec") or {}
    kind = spec.get("type") or ""
    causes: list[Cause] = []
    if not kind:
        causes.append(required("spec.type"))
    elif kind not in SERVICE_TYPES:
        causes.append(not_supported("spec.type", kind, SERVICE_TYPES))
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        causes.append(required("spec.sessionAffinity"))
    elif affinity not in SESSION_AFFINITIES:
        causes.append(not_supported("spec.sessionAffinity", affinity, SESSION_AFFINITIES))
    headless = spec.get("clusterIP") == "None"
    ports: list[Obj] = spec.get("ports") or []
    if not ports and not headless and kind != "ExternalName":
        causes.append(required("spec.ports"))
    if kind == "ExternalName" and not spec.get("externalName"):
        causes.append(required("spec.externalName"))
    causes += _validate_ports(ports)
    cluster_ip = spec.get("clusterIP") or ""
    if cluster_ip and cluster_ip != "None" and not _is_ip(cluster_ip):
        causes.append(
            invalid("spec.clusterIPs[0]", cluster_ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
        )
    if old is not None:
        old_ip = (old.get("spec") or {}).get("clusterIP") or ""
        if old_ip and cluster_ip and cluster_ip != old_ip and kind != "ExternalName":
            causes.append(invalid("spec.clusterIPs[0]", cluster_ip, "may not change once set"))
    return causes


def _validate_ports(ports: list[Obj]) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    seen: set[tuple[Any, Any]] = set()
    for index, port in enumerate(ports):
        at = f"spec.ports[{index}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            causes.append(required(f"{at}.name"))
        elif name:
            causes += [invalid(f"{at}.name", name, message) for message in dns1123_label(name)]
            if name in names:
                causes.append(duplicate(f"{at}.name", name))
            names.add(name)
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            causes.append(invalid(f"{at}.port", number, "must be between 1 and 65535, inclusive"))
        protocol = port.get("protocol") or ""
        if not protocol:
            causes.append(required(f"{at}.protocol"))
        elif protocol not in PROTOCOLS:
            causes.append(not_supported(f"{at}.protocol", protocol, PROTOCOLS))
        key = (number, protocol)
        if key in seen:
            causes.append(duplicate(at, {"port": number, "protocol": protocol}))
        seen.add(key)
        target = port.get("targetPort")
        if isinstance(target, int) and not 1 <= target <= 65535:
            causes.append(invalid(f"{at}.targetPort", target, "must be between 1 and 65535, inclusive"))
        elif isinstance(target, str):
            causes += [invalid(f"{at}.targetPort", target, message) for message in port_name(target)]
    return causes


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def service_field_labels(obj: Obj) -> dict[str, str]:
    spec: Obj = obj.get("spec") or {}
    labels = dict(metadata_field_labels(obj))
    labels["spec.clusterIP"] = spec.get("clusterIP", "")
    labels["spec.type"] = spec.get("type", "")
    return labels


def _external_ip(spec: Obj, status: Obj) -> str:
    kind = spec.get("type")
    external = list(spec.get("externalIPs") or [])
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        ingress = [
            entry.get("ip") or entry.get("hostname") or ""
            for entry in (status.get("loadBalancer") or {}).get("ingress") or []
        ]
        addresses = [address for address in ingress + external if address]
        return ",".join(addresses) or "<pending>"
    if kind == "ExternalName":
        return spec.get("externalName") or "<none>"
    return "<unknown>"


def _ports_cell(ports: list[Obj]) -> str:
    cells = []
    for port in ports:
        protocol = port.get("protocol", "TCP")
        if port.get("nodePort"):
            cells.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            cells.append(f"{port.get('port')}/{protocol}")
    return ",".join(cells) or "<none>"


def service_row(obj: Obj, now: float) -> list[Any]:
    spec: Obj = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [
        (obj.get("metadata") or {}).get("name", ""),
        spec.get("type", ""),
        cluster_ips[0] if cluster_ips else "<none>",
        _external_ip(spec, obj.get("status") or {}),
        _ports_cell(spec.get("ports") or []),
        age_cell(obj, now),
        format_labels(spec.get("selector")),
    ]


_SERVICE_SPEC = "io.k8s.api.core.v1.ServiceSpec"

SERVICE = ResourceType(
    group="",
    version="v1",
    kind="Service",
    plural="services",
    singular="service",
    namespaced=True,
    definition="io.k8s.api.core.v1.Service",
    short_names=("svc",),
    categories=("all",),
    subresources=("status",),
    default=default_service,
    validate=validate_service,
    field_labels=service_field_labels,
    columns=(
        name_column(),
        Column("Type", description=described(_SERVICE_SPEC, "type")),
        Column("Cluster-IP", description=described(_SERVICE_SPEC, "clusterIP")),
        Column("External-IP", description=described(_SERVICE_SPEC, "externalIPs")),
        Column("Port(s)", description=described(_SERVICE_SPEC, "ports")),
        age_column(),
        Column("Selector", priority=1, description=described(_SERVICE_SPEC, "selector")),
    ),
    row=service_row,
)
