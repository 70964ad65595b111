"""OCI and Docker image documents: media types, manifests, indexes, configs and platform choice."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.node.images._errors import PullError

__all__ = [
    "MANIFEST_ACCEPT",
    "Descriptor",
    "ImageConfig",
    "Manifest",
    "host_platform",
    "is_index",
    "parse_config",
    "parse_manifest",
    "select_platform",
    "sha256_digest",
]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
_DOCKER_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)
# Registries answer 404 to a manifest request whose Accept does not list its type.
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST))
_INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})

_ARCHITECTURES = {
    "x86_64": ("amd64", None),
    "amd64": ("amd64", None),
    "aarch64": ("arm64", "v8"),
    "arm64": ("arm64", "v8"),
    "armv7l": ("arm", "v7"),
    "armv6l": ("arm", "v6"),
    "i386": ("386", None),
    "i686": ("386", None),
}


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int


@dataclass(frozen=True)
class Manifest:
    config: Descriptor
    layers: tuple[Descriptor, ...]


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image's config that decide how its containers start."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    working_dir: str = ""
    user: str = ""


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def host_platform() -> tuple[str, str, str | None]:
    """(os, architecture, variant) of this machine in OCI's words."""
    machine = platform.machine().lower()
    architecture, variant = _ARCHITECTURES.get(machine, (machine, None))
    return "linux", architecture, variant


def _load_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PullError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PullError(f"{what} is not a JSON object")
    return document


def _descriptor(value: object, what: str) -> Descriptor:
    if not isinstance(value, Mapping):
        raise PullError(f"{what} is not a descriptor")
    digest, size = value.get("digest"), value.get("size", -1)
    if not isinstance(digest, str) or not digest.startswith("sha256:") or len(digest) != 71:
        raise PullError(f"{what} has unsupported digest {digest!r}; only sha256 is supported")
    if not isinstance(size, int):
        raise PullError(f"{what} has an invalid size {size!r}")
    return Descriptor(media_type=str(value.get("mediaType", "")), digest=digest, size=size)


def is_index(data: bytes, media_type: str | None) -> bool:
    """Whether a manifest document is an index (manifest list) rather than one image's manifest."""
    document = _load_json(data, "manifest")
    kind = document.get("mediaType") or media_type or ""
    if kind in _DOCKER_SCHEMA1 or document.get("schemaVersion") == 1:
        raise PullError("Docker image manifest schema 1 is not supported; push the image again with a current client")
    return kind in _INDEX_TYPES or ("manifests" in document and "layers" not in document)


def select_platform(index: bytes) -> Descriptor:
    """The manifest of an index that runs on this host: linux, this architecture, the right variant if given."""
    document = _load_json(index, "image index")
    entries = document.get("manifests")
    if not isinstance(entries, list):
        raise PullError("image index has no manifests list")
    wanted_os, wanted_arch, wanted_variant = host_platform()
    exact, without_variant = [], []
    for number, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        entry_platform = entry.get("platform")
        if not isinstance(entry_platform, Mapping):
            continue
        if entry_platform.get("os") != wanted_os or entry_platform.get("architecture") != wanted_arch:
            continue
        descriptor = _descriptor(entry, f"image index entry {number}")
        variant = entry_platform.get("variant")
        if variant == wanted_variant and variant is not None:
            exact.append(descriptor)
        elif variant is None:
            without_variant.append(descriptor)
    chosen = exact or without_variant
    if not chosen:
        wanted = "/".join(part for part in (wanted_os, wanted_arch, wanted_variant) if part)
        raise PullError(f"no matching manifest for {wanted} in the manifest list entries", not_found=True)
    return chosen[0]


def parse_manifest(data: bytes) -> Manifest:
    document = _load_json(data, "manifest")
    layers = document.get("layers")
    if not isinstance(layers, list):
        raise PullError("manifest has no layers list")
    return Manifest(
        config=_descriptor(document.get("config"), "manifest config"),
        layers=tuple(_descriptor(layer, f"manifest layer {number}") for number, layer in enumerate(layers)),
    )


def parse_config(data: bytes) -> tuple[ImageConfig, tuple[str, ...]]:
    """The image's run settings and its layers' diffIDs (digests of the uncompressed tars), lowest first."""
    document = _load_json(data, "image config")
    rootfs = document.get("rootfs")
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, Mapping) else None
    if not isinstance(diff_ids, list) or not all(
        isinstance(diff_id, str) and diff_id.startswith("sha256:") and len(diff_id) == 71 for diff_id in diff_ids
    ):
        raise PullError("image config has no valid rootfs.diff_ids")
    settings = document.get("config") or {}
    if not isinstance(settings, Mapping):
        raise PullError("image config's config is not an object")
    config = ImageConfig(
        entrypoint=_strings(settings.get("Entrypoint"), "Entrypoint"),
        cmd=_strings(settings.get("Cmd"), "Cmd"),
        env=_strings(settings.get("Env"), "Env"),
        working_dir=_string(settings.get("WorkingDir"), "WorkingDir"),
        user=_string(settings.get("User"), "User"),
    )
    return config, tuple(diff_ids)


def _strings(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PullError(f"image config's {what} is not a list of strings")
    return tuple(value)


def _string(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PullError(f"image config's {what} is not a string")
    return value
