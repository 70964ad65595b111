"""A pod's volumes on the node: directories and files the containers' mounts point at.

emptyDir (disk, or tmpfs for ``medium: Memory``), configMap, secret,
downwardAPI and projected volumes are written under the pod's directory;
hostPath points at the host. Mounts follow ``volumeMounts`` (``subPath``,
``readOnly``); configMap, secret, downwardAPI and projected volumes are
always read-only, as upstream.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from jobyard.cluster.kinds import QuantityError, parse_quantity
from jobyard.cluster.node.runtime._spec import Mount

from ._env import ConfigError, Lookup, field_value, resource_value

__all__ = ["VolumeError", "container_mounts", "prepare_volumes", "release_volumes"]

Obj = dict[str, Any]

_READ_ONLY_KINDS = ("configMap", "secret", "downwardAPI", "projected")
DEFAULT_MODE = 0o644


class VolumeError(Exception):
    """A volume cannot be set up yet: upstream's ``FailedMount`` event, the pod stays ContainerCreating."""


def _kind(volume: Obj) -> str:
    for kind in ("emptyDir", "hostPath", *_READ_ONLY_KINDS):
        if kind in volume:
            return kind
    return ""


def _write_files(directory: Path, files: Mapping[str, tuple[bytes, int]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for relative, (content, mode) in files.items():
        path = directory / relative
        if PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts:
            raise VolumeError(f"invalid path {relative!r}: must be relative and may not contain '..'")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        temporary.chmod(mode)
        temporary.replace(path)


def _data_files(obj: Obj, kind: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if kind == "secrets":
        for key, value in (obj.get("data") or {}).items():
            files[key] = base64.b64decode(value)
    else:
        for key, value in (obj.get("data") or {}).items():
            files[key] = str(value).encode()
        for key, value in (obj.get("binaryData") or {}).items():
            files[key] = base64.b64decode(value)
    return files


def _object_files(source: Obj, kind: str, lookup: Lookup, default_mode: int) -> dict[str, tuple[bytes, int]]:
    name = source.get("name") or source.get("secretName") or ""
    obj = lookup(kind, name)
    word = "configmap" if kind == "configmaps" else "secret"
    if obj is None:
        if source.get("optional"):
            return {}
        raise VolumeError(f'{word} "{name}" not found')
    data = _data_files(obj, kind)
    items = source.get("items")
    if not items:
        return {key: (value, default_mode) for key, value in data.items()}
    files = {}
    for item in items:
        key = item.get("key", "")
        if key not in data:
            if source.get("optional"):
                continue
            raise VolumeError(
                f"configmap references non-existent config key: {key}"
                if kind == "configmaps"
                else f"references non-existent secret key: {key}"
            )
        files[item.get("path") or key] = (data[key], int(item.get("mode", default_mode)))
    return files


def _downward_files(
    items: list[Obj], pod: Obj, pod_ip: str, host_ip: str, allocatable: Mapping[str, str], default_mode: int
) -> dict[str, tuple[bytes, int]]:
    files = {}
    containers = {c.get("name"): c for c in (pod.get("spec") or {}).get("containers") or []}
    for item in items:
        mode = int(item.get("mode", default_mode))
        if "fieldRef" in item:
            value = field_value(pod, item["fieldRef"].get("fieldPath", ""), pod_ip, host_ip)
        elif "resourceFieldRef" in item:
            ref = item["resourceFieldRef"]
            container = containers.get(ref.get("containerName")) or {}
            try:
                value = resource_value(container, ref.get("resource", ""), ref.get("divisor"), allocatable)
            except ConfigError as error:
                raise VolumeError(str(error)) from None
        else:
            continue
        files[item.get("path", "")] = (value.encode(), mode)
    return files


def _mount_tmpfs(directory: Path, size_limit: Any) -> None:
    if os.path.ismount(directory) or os.geteuid() != 0:
        return
    options = "mode=0777"
    if size_limit:
        try:
            options += f",size={int(parse_quantity(str(size_limit)))}"
        except QuantityError as error:
            raise VolumeError(f"sizeLimit {size_limit!r}: {error}") from None
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        raise VolumeError(f"mounting a memory-backed emptyDir failed: {mounted.stderr.strip()}")


def prepare_volumes(
    pod: Obj, pod_dir: Path, lookup: Lookup, pod_ip: str, host_ip: str, allocatable: Mapping[str, str]
) -> dict[str, Path]:
    """Create or refresh every volume of ``pod``; the host path each one is at, by name."""
    paths: dict[str, Path] = {}
    spec: Obj = pod.get("spec") or {}
    fs_group = (spec.get("securityContext") or {}).get("fsGroup")
    for volume in spec.get("volumes") or []:
        name = volume.get("name", "")
        kind = _kind(volume)
        source: Obj = volume.get(kind) or {}
        directory = pod_dir / "volumes" / name
        if kind == "hostPath":
            paths[name] = _host_path(source)
            continue
        if kind == "emptyDir":
            directory.mkdir(parents=True, exist_ok=True)
            directory.chmod(0o777)
            if source.get("medium") == "Memory":
                _mount_tmpfs(directory, source.get("sizeLimit"))
            if fs_group is not None:
                os.chown(directory, -1, int(fs_group))
                directory.chmod(0o2777)
        elif kind == "configMap":
            _write_files(
                directory, _object_files(source, "configmaps", lookup, int(source.get("defaultMode", DEFAULT_MODE)))
            )
        elif kind == "secret":
            _write_files(
                directory, _object_files(source, "secrets", lookup, int(source.get("defaultMode", DEFAULT_MODE)))
            )
        elif kind == "downwardAPI":
            mode = int(source.get("defaultMode", DEFAULT_MODE))
            _write_files(directory, _downward_files(source.get("items") or [], pod, pod_ip, host_ip, allocatable, mode))
        elif kind == "projected":
            mode = int(source.get("defaultMode", DEFAULT_MODE))
            files: dict[str, tuple[bytes, int]] = {}
            for projection in source.get("sources") or []:
                if "configMap" in projection:
                    files.update(_object_files(projection["configMap"], "configmaps", lookup, mode))
                elif "secret" in projection:
                    files.update(_object_files(projection["secret"], "secrets", lookup, mode))
                elif "downwardAPI" in projection:
                    items = projection["downwardAPI"].get("items") or []
                    files.update(_downward_files(items, pod, pod_ip, host_ip, allocatable, mode))
            _write_files(directory, files)
        else:
            raise VolumeError(f'volume "{name}": this node does not support its type')
        if fs_group is not None and kind != "emptyDir":
            for path in [directory, *directory.rglob("*")]:
                os.chown(path, -1, int(fs_group))
        paths[name] = directory
    return paths


def _host_path(source: Obj) -> Path:
    path = Path(source.get("path", ""))
    kind = source.get("type", "")
    if kind == "DirectoryOrCreate":
        path.mkdir(parents=True, exist_ok=True, mode=0o755)
    elif kind == "FileOrCreate":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o644, exist_ok=True)
    elif kind == "Directory" and not path.is_dir():
        raise VolumeError(f"hostPath type check failed: {path} is not a directory")
    elif kind == "File" and not path.is_file():
        raise VolumeError(f"hostPath type check failed: {path} is not a file")
    elif kind == "Socket" and not path.is_socket():
        raise VolumeError(f"hostPath type check failed: {path} is not a socket file")
    return path


def container_mounts(container: Obj, volume_paths: Mapping[str, Path], pod: Obj) -> list[Mount]:
    """The container's ``volumeMounts`` as runtime mounts, with ``subPath`` resolved inside its volume."""
    kinds = {v.get("name"): _kind(v) for v in (pod.get("spec") or {}).get("volumes") or []}
    mounts = []
    for mount in container.get("volumeMounts") or []:
        name = mount.get("name", "")
        if name not in volume_paths:
            raise VolumeError(f'unable to find volume "{name}"')
        source = volume_paths[name]
        sub_path = mount.get("subPath") or ""
        if sub_path:
            relative = PurePosixPath(sub_path)
            if relative.is_absolute() or ".." in relative.parts:
                raise VolumeError(f"subPath {sub_path!r} must be a relative path without '..'")
            source = source / relative
            if not source.exists():
                source.mkdir(parents=True, exist_ok=True)
            if source.resolve().is_relative_to(volume_paths[name].resolve()) is False:
                raise VolumeError(f"subPath {sub_path!r} leaves its volume")
        read_only = bool(mount.get("readOnly")) or kinds.get(name) in _READ_ONLY_KINDS
        mounts.append(Mount(source=source, target=mount.get("mountPath", ""), read_only=read_only))
    return mounts


def release_volumes(pod_dir: Path) -> None:
    """Unmount memory-backed emptyDirs of a pod that is gone."""
    volumes = pod_dir / "volumes"
    if not volumes.is_dir():
        return
    for directory in volumes.iterdir():
        if os.path.ismount(directory):
            with contextlib.suppress(subprocess.CalledProcessError):
                subprocess.run(["umount", "-l", str(directory)], check=True, capture_output=True)
