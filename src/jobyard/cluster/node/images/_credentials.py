"""Registry credentials from a ``kubernetes.io/dockerconfigjson`` Secret."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from jobyard.cluster.node.images._reference import DOCKER_HUB

__all__ = ["RegistryCredential", "credential_for", "credentials_from_dockerconfigjson"]

_DOCKER_HUB_KEYS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})


@dataclass(frozen=True)
class RegistryCredential:
    """A user name and password for one registry host (``docker.io`` for Docker Hub)."""

    registry: str
    username: str
    password: str = field(repr=False)


def credentials_from_dockerconfigjson(data: bytes) -> list[RegistryCredential]:
    """Parse ``.dockerconfigjson`` content: ``{"auths": {host-or-URL: {"auth": base64(user:pass)} | {"username", "password"}}}``.

    Raises ``ValueError`` when the content is not such a document; entries
    without usable credentials are skipped, as the kubelet does.
    """
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f".dockerconfigjson is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("auths", {}), dict):
        raise ValueError('.dockerconfigjson must be an object with an "auths" object')
    credentials = []
    for key, entry in document.get("auths", {}).items():
        if not isinstance(entry, dict):
            continue
        pair = _user_and_password(entry)
        if pair is not None:
            credentials.append(RegistryCredential(registry=registry_host(key), username=pair[0], password=pair[1]))
    return credentials


def credential_for(registry: str, credentials: Iterable[RegistryCredential]) -> RegistryCredential | None:
    """The first credential for ``registry`` (a normalised reference's registry, such as ``docker.io``)."""
    host = registry_host(registry)
    return next((credential for credential in credentials if credential.registry == host), None)


def registry_host(key: str) -> str:
    """``https://index.docker.io/v1/`` → ``docker.io``; ``http://127.0.0.1:5000/x`` → ``127.0.0.1:5000``."""
    host = urlsplit(key).netloc if "://" in key else key.split("/", 1)[0]
    host = host.lower()
    return DOCKER_HUB if host in _DOCKER_HUB_KEYS else host


def _user_and_password(entry: dict[str, object]) -> tuple[str, str] | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        return (username, password) if sep else None
    given_username, given_password = entry.get("username"), entry.get("password")
    if isinstance(given_username, str) and isinstance(given_password, str) and given_username:
        return given_username, given_password
    return None
