"""What the console shows of namespaces, ConfigMaps and Secrets: never a Secret's values."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DOCKER_CONFIG_JSON",
    "ConfigMapInfo",
    "NamespaceInfo",
    "SecretInfo",
    "docker_config_json",
]

DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"


@dataclass(frozen=True)
class NamespaceInfo:
    name: str
    labels: dict[str, str]
    phase: str
    created: str

    @classmethod
    def of(cls, namespace: dict[str, Any]) -> NamespaceInfo:
        metadata = namespace.get("metadata", {})
        return cls(
            name=metadata["name"],
            labels=dict(metadata.get("labels") or {}),
            phase=str(namespace.get("status", {}).get("phase", "")),
            created=str(metadata.get("creationTimestamp", "")),
        )


@dataclass(frozen=True)
class ConfigMapInfo:
    """A ConfigMap's keys, which the wizard offers for env and volumes; values stay on the cluster."""

    name: str
    namespace: str
    keys: tuple[str, ...]
    created: str

    @classmethod
    def of(cls, configmap: dict[str, Any]) -> ConfigMapInfo:
        metadata = configmap.get("metadata", {})
        keys = {*(configmap.get("data") or {}), *(configmap.get("binaryData") or {})}
        return cls(
            metadata["name"], metadata["namespace"], tuple(sorted(keys)), str(metadata.get("creationTimestamp", ""))
        )


@dataclass(frozen=True)
class SecretInfo:
    """A Secret's name, type and keys: the only parts of a Secret the console hands out."""

    name: str
    namespace: str
    type: str
    keys: tuple[str, ...]
    created: str

    @classmethod
    def of(cls, secret: dict[str, Any]) -> SecretInfo:
        metadata = secret.get("metadata", {})
        keys = {*(secret.get("data") or {}), *(secret.get("stringData") or {})}
        return cls(
            name=metadata["name"],
            namespace=metadata["namespace"],
            type=str(secret.get("type") or "Opaque"),
            keys=tuple(sorted(keys)),
            created=str(metadata.get("creationTimestamp", "")),
        )


def docker_config_json(server: str, username: str, password: str) -> bytes:
    """``.dockerconfigjson`` for one registry, as ``kubectl create secret docker-registry`` writes it."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return json.dumps({"auths": {server: {"username": username, "password": password, "auth": auth}}}).encode()
