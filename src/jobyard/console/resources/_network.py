"""What the console shows of Services (with the pods behind them) and of the images on a cluster's nodes.

Both are read through the Kubernetes API only: a Service's endpoints are its ``Endpoints`` object,
which the cluster's endpoints controller keeps; a node's images are its ``status.images``, which
its kubelet reports. Nothing here is stored by the console.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobyard.console.clusters import Kind

__all__ = ["ENDPOINTS", "EndpointInfo", "NodeImage", "ServiceInfo", "ServicePortInfo", "node_images"]

# Not among the kinds ``console.clusters`` names: only the Services pages and a Job's Service read Endpoints.
ENDPOINTS = Kind("", "v1", "Endpoints", "endpoints", namespaced=True)


@dataclass(frozen=True)
class ServicePortInfo:
    name: str
    protocol: str
    port: int
    target_port: str
    node_port: int | None

    @classmethod
    def of(cls, port: Mapping[str, Any]) -> ServicePortInfo:
        number = int(port.get("port") or 0)
        return cls(
            name=str(port.get("name") or ""),
            protocol=str(port.get("protocol") or "TCP"),
            port=number,
            target_port=str(port.get("targetPort", number)),
            node_port=int(port["nodePort"]) if port.get("nodePort") else None,
        )


@dataclass(frozen=True)
class EndpointInfo:
    """One address behind a Service: the pod's IP, whether it is ready, and the ports it serves."""

    ip: str
    ready: bool
    pod: str | None
    node: str | None
    ports: tuple[str, ...]


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    namespace: str
    type: str
    cluster_ip: str
    external_ips: tuple[str, ...]
    ports: tuple[ServicePortInfo, ...]
    selector: dict[str, str]
    endpoints: tuple[EndpointInfo, ...]
    labels: dict[str, str]
    created: str

    @classmethod
    def of(cls, service: Mapping[str, Any], endpoints: Mapping[str, Any] | None) -> ServiceInfo:
        metadata = service.get("metadata") or {}
        spec = service.get("spec") or {}
        ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        external = [*(spec.get("externalIPs") or []), *(item.get("ip") or item.get("hostname") for item in ingress)]
        return cls(
            name=str(metadata.get("name", "")),
            namespace=str(metadata.get("namespace", "")),
            type=str(spec.get("type") or "ClusterIP"),
            cluster_ip=str(spec.get("clusterIP") or ""),
            external_ips=tuple(str(address) for address in external if address),
            ports=tuple(ServicePortInfo.of(port) for port in spec.get("ports") or []),
            selector=dict(spec.get("selector") or {}),
            endpoints=tuple(_addresses(endpoints or {})),
            labels=dict(metadata.get("labels") or {}),
            created=str(metadata.get("creationTimestamp", "")),
        )

    def selects(self, labels: Mapping[str, str]) -> bool:
        """Whether pods with ``labels`` are behind this Service; one without a selector selects none."""
        return bool(self.selector) and all(labels.get(key) == value for key, value in self.selector.items())


def _addresses(endpoints: Mapping[str, Any]) -> Iterable[EndpointInfo]:
    for subset in endpoints.get("subsets") or []:
        ports = tuple(
            f"{port.get('name') + ' ' if port.get('name') else ''}{port.get('port')}/{port.get('protocol') or 'TCP'}"
            for port in subset.get("ports") or []
        )
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(field) or []:
                target = address.get("targetRef") or {}
                yield EndpointInfo(
                    ip=str(address.get("ip", "")),
                    ready=ready,
                    pod=target.get("name") if target.get("kind", "Pod") == "Pod" else None,
                    node=address.get("nodeName"),
                    ports=ports,
                )


@dataclass(frozen=True)
class NodeImage:
    """An image some node holds: its names (repository:tag, repository@digest), size, and which nodes."""

    name: str
    names: tuple[str, ...]
    size_bytes: int
    nodes: tuple[str, ...]


def node_images(nodes: Iterable[Mapping[str, Any]]) -> list[NodeImage]:
    """The images of every node, one entry per image however many nodes hold it, by name."""
    found: dict[tuple[str, ...], tuple[int, list[str]]] = {}
    for node in nodes:
        node_name = str((node.get("metadata") or {}).get("name", ""))
        for image in (node.get("status") or {}).get("images") or []:
            names = tuple(str(name) for name in image.get("names") or [])
            if not names:
                continue
            size, holders = found.setdefault(names, (int(image.get("sizeBytes") or 0), []))
            holders.append(node_name)
    listed = [NodeImage(_shown_name(names), names, size, tuple(holders)) for names, (size, holders) in found.items()]
    return sorted(listed, key=lambda image: image.name)


def _shown_name(names: tuple[str, ...]) -> str:
    """The name to pick: a tagged one when there is one, since a digest alone is hard to read."""
    return next((name for name in names if "@" not in name), names[0])
