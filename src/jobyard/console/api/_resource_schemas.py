"""Bodies of the API's reads of Services and node images, and of a pull Secret made from credentials."""

from __future__ import annotations

from ._schemas import Wire

__all__ = ["EndpointOut", "NodeImageOut", "RegistrySecretIn", "ServiceOut", "ServicePortOut"]


class ServicePortOut(Wire):
    name: str
    protocol: str
    port: int
    target_port: str
    node_port: int | None


class EndpointOut(Wire):
    """One address behind a Service: ``ready`` ones receive traffic."""

    ip: str
    ready: bool
    pod: str | None
    node: str | None
    ports: list[str]


class ServiceOut(Wire):
    name: str
    namespace: str
    type: str
    cluster_ip: str
    external_ips: list[str]
    ports: list[ServicePortOut]
    selector: dict[str, str]
    endpoints: list[EndpointOut]
    labels: dict[str, str]
    created: str


class NodeImageOut(Wire):
    name: str
    names: list[str]
    size_bytes: int
    nodes: list[str]


class RegistrySecretIn(Wire):
    """A ``kubernetes.io/dockerconfigjson`` Secret for ``server`` (host[:port]); the password is never sent back."""

    name: str
    server: str
    username: str
    password: str
