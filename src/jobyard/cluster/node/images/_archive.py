"""Images inside ``docker save`` archives and OCI layouts (a directory or a tar of one)."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from jobyard.cluster.node.images._errors import PullError
from jobyard.cluster.node.images._oci import is_index, parse_manifest, select_platform, sha256_digest
from jobyard.cluster.node.images._reference import normalize_reference

__all__ = ["ArchiveImage", "ArchiveLayer", "ArchiveReader", "archive_images", "open_archive"]

_CONTAINERD_NAME = "io.containerd.image.name"
_OCI_REF_NAME = "org.opencontainers.image.ref.name"


class ArchiveReader(Protocol):
    def exists(self, name: str) -> bool: ...

    def open(self, name: str) -> IO[bytes]: ...

    def size(self, name: str) -> int: ...


@dataclass(frozen=True)
class ArchiveLayer:
    member: str
    digest: str | None
    size: int


@dataclass(frozen=True)
class ArchiveImage:
    references: tuple[str, ...]
    digest: str | None
    config_digest: str
    documents: dict[str, bytes]
    layers: tuple[ArchiveLayer, ...]


class _TarReader:
    def __init__(self, tar: tarfile.TarFile) -> None:
        self._tar = tar
        self._members = {_clean(member.name): member for member in tar.getmembers()}

    def _member(self, name: str) -> tarfile.TarInfo:
        try:
            return self._members[_clean(name)]
        except KeyError:
            raise PullError(f"archive has no {name!r}") from None

    def exists(self, name: str) -> bool:
        return _clean(name) in self._members

    def open(self, name: str) -> IO[bytes]:
        content = self._tar.extractfile(self._member(name))
        if content is None:
            raise PullError(f"archive entry {name!r} is not a file")
        return content

    def size(self, name: str) -> int:
        return self._member(name).size


class _DirectoryReader:
    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def _path(self, name: str) -> Path:
        path = (self._root / _clean(name)).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise PullError(f"OCI layout has no file {name!r}")
        return path

    def exists(self, name: str) -> bool:
        try:
            self._path(name)
        except PullError:
            return False
        return True

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size


@contextmanager
def open_archive(path: Path) -> Iterator[ArchiveReader]:
    """Read a tar (plain or compressed) or an OCI layout directory."""
    if path.is_dir():
        yield _DirectoryReader(path)
        return
    try:
        tar = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as error:
        raise PullError(f"{path} is not an image archive: {error}") from None
    with tar:
        try:
            reader = _TarReader(tar)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise PullError(f"{path} is not an image archive: {error}") from None
        yield reader


def archive_images(reader: ArchiveReader) -> list[ArchiveImage]:
    """Every image the archive holds: ``docker save``'s manifest.json when present, else the OCI index."""
    if reader.exists("manifest.json"):
        return _docker_images(reader)
    if reader.exists("index.json"):
        return _oci_images(reader)
    raise PullError("archive has neither manifest.json (docker-archive) nor index.json (OCI layout)")


def _read(reader: ArchiveReader, name: str) -> bytes:
    with reader.open(name) as content:
        return content.read()


def _json(reader: ArchiveReader, name: str) -> Any:
    try:
        return json.loads(_read(reader, name))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PullError(f"archive's {name} is not valid JSON: {error}") from None


def _docker_images(reader: ArchiveReader) -> list[ArchiveImage]:
    entries = _json(reader, "manifest.json")
    if not isinstance(entries, list):
        raise PullError("archive's manifest.json is not a list")
    images = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
            raise PullError("archive's manifest.json has an entry without Config")
        config = _read(reader, entry["Config"])
        layers = entry.get("Layers") or []
        if not isinstance(layers, list) or not all(isinstance(layer, str) for layer in layers):
            raise PullError("archive's manifest.json has an entry whose Layers is not a list of names")
        images.append(
            ArchiveImage(
                references=_normalized(entry.get("RepoTags") or []),
                digest=None,
                config_digest=sha256_digest(config),
                documents={sha256_digest(config): config},
                layers=tuple(ArchiveLayer(member=layer, digest=None, size=reader.size(layer)) for layer in layers),
            )
        )
    return images


def _oci_images(reader: ArchiveReader) -> list[ArchiveImage]:
    index = _json(reader, "index.json")
    manifests = index.get("manifests") if isinstance(index, dict) else None
    if not isinstance(manifests, list):
        raise PullError("OCI layout's index.json has no manifests list")
    images = []
    for entry in manifests:
        if not isinstance(entry, dict) or not isinstance(entry.get("digest"), str):
            raise PullError("OCI layout's index.json has an entry without a digest")
        annotations = entry.get("annotations") or {}
        images.append(_oci_image(reader, entry["digest"], _oci_names(annotations)))
    return images


def _oci_image(reader: ArchiveReader, digest: str, references: tuple[str, ...]) -> ArchiveImage:
    documents: dict[str, bytes] = {}
    data = _blob(reader, digest)
    documents[digest] = data
    if is_index(data, None):
        chosen = select_platform(data).digest
        data = _blob(reader, chosen)
        documents[chosen] = data
    manifest = parse_manifest(data)
    documents[manifest.config.digest] = _blob(reader, manifest.config.digest)
    layers = tuple(
        ArchiveLayer(member=_blob_path(layer.digest), digest=layer.digest, size=layer.size) for layer in manifest.layers
    )
    return ArchiveImage(
        references=references,
        digest=digest,
        config_digest=manifest.config.digest,
        documents=documents,
        layers=layers,
    )


def _oci_names(annotations: object) -> tuple[str, ...]:
    """containerd's full name, else a ref.name that is a whole reference; skopeo's bare tags name nothing."""
    if not isinstance(annotations, dict):
        return ()
    for key in (_CONTAINERD_NAME, _OCI_REF_NAME):
        name = annotations.get(key)
        if isinstance(name, str) and (":" in name or "/" in name):
            try:
                return (normalize_reference(name),)
            except ValueError:
                continue
    return ()


def _blob(reader: ArchiveReader, digest: str) -> bytes:
    data = _read(reader, _blob_path(digest))
    if sha256_digest(data) != digest:
        raise PullError(f"archive blob {digest} failed verification: got {sha256_digest(data)}")
    return data


def _blob_path(digest: str) -> str:
    algorithm, _, encoded = digest.partition(":")
    if algorithm != "sha256" or len(encoded) != 64 or not all(c in "0123456789abcdef" for c in encoded):
        raise PullError(f"unsupported digest {digest!r}; only sha256 is supported")
    return f"blobs/{algorithm}/{encoded}"


def _normalized(names: list[object]) -> tuple[str, ...]:
    normalized = []
    for name in names:
        if not isinstance(name, str):
            raise PullError(f"archive names an image with {name!r}, which is not a string")
        try:
            normalized.append(normalize_reference(name))
        except ValueError as error:
            raise PullError(str(error)) from None
    return tuple(normalized)


def _clean(name: str) -> str:
    return "/".join(part for part in name.split("/") if part not in ("", "."))
