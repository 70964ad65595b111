"""Image references, normalised the way Docker and containerd name images.

``busybox`` is ``docker.io/library/busybox:latest``; the grammar follows
distribution's ``reference`` package (lowercase path components, a tag of at
most 128 characters, a domain recognised by a dot, a port or ``localhost``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DOCKER_HUB", "Reference", "normalize_reference", "parse_reference"]

DOCKER_HUB = "docker.io"
# Docker Hub's registry API does not answer on docker.io itself.
_DOCKER_HUB_API = "registry-1.docker.io"
_DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_DOMAIN = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
    r"|\[[0-9a-fA-F:]+\](?::[0-9]+)?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class Reference:
    """A parsed reference: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """``registry/repository``, the part every reference to the same repository shares."""
        return f"{self.registry}/{self.repository}"

    @property
    def api_host(self) -> str:
        """The host that serves the distribution API for this registry."""
        return _DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def manifest_key(self) -> str:
        """What to ask the registry for: the digest when there is one, since it pins the content."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> str:
        return f"{self.name}@{digest}"

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_reference(reference: str) -> Reference:
    """Parse and normalise ``reference``; a tag of ``latest`` is implied only when there is no digest.

    Raises ``ValueError`` naming what is wrong with it.
    """
    if not reference or reference != reference.strip():
        raise ValueError(f"invalid reference format: {reference!r} is empty or has surrounding spaces")
    remainder, digest = reference, None
    if "@" in reference:
        remainder, digest = reference.split("@", 1)
        if not _DIGEST.fullmatch(digest):
            raise ValueError(
                f"invalid reference format: {reference!r} has digest {digest!r}; expected sha256: and 64 lowercase hex digits"
            )
    tag = None
    last_slash = remainder.rfind("/")
    last_colon = remainder.rfind(":")
    if last_colon > last_slash:
        remainder, tag = remainder[:last_colon], remainder[last_colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise ValueError(
                f"invalid reference format: {reference!r} has tag {tag!r}; a tag is letters, digits, '_', '.' and '-', "
                "at most 128 characters, not starting with '.' or '-'"
            )
    registry, repository = _split_domain(remainder, reference)
    if tag is None and digest is None:
        tag = "latest"
    return Reference(registry=registry, repository=repository, tag=tag, digest=digest)


def normalize_reference(reference: str) -> str:
    """``busybox`` → ``docker.io/library/busybox:latest``; see ``parse_reference``."""
    return str(parse_reference(reference))


def _split_domain(name: str, reference: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first.startswith("[")):
        if not _DOMAIN.fullmatch(first):
            raise ValueError(f"invalid reference format: {reference!r} has an invalid registry host {first!r}")
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, name
    if registry in _DOCKER_HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    components = path.split("/")
    for component in components:
        if not _COMPONENT.fullmatch(component):
            raise ValueError(
                f"invalid reference format: {reference!r}: repository name component {component!r} must be lowercase "
                "letters and digits, separated by '.', '_', '__' or '-'"
            )
    if len(f"{registry}/{path}") > _MAX_NAME_LENGTH:
        raise ValueError(f"invalid reference format: {reference!r}: repository name longer than {_MAX_NAME_LENGTH}")
    return registry, path
