"""A container's root: an overlay of its image layers, and paths resolved inside it."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
from pathlib import Path

from ._spec import StartError

# runc's PATH when an image sets none.
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_MAX_SYMLINKS = 40
_MNT_DETACH = 2
_MS_RDONLY = 1
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def mount_overlay(layers: tuple[Path, ...], upper: Path, work: Path, target: Path) -> None:
    """Mount ``layers`` (lowest first) with a private writable upper layer at ``target``."""
    # overlayfs lists lower directories topmost first.
    lower = ":".join(str(layer) for layer in reversed(layers))
    for path in (*layers, upper, work):
        if "," in str(path) or ":" in str(path):
            raise StartError(f"failed to mount rootfs: path {str(path)!r} cannot be given to overlayfs")
    options = f"lowerdir={lower},upperdir={upper},workdir={work}".encode()
    if _libc.mount(b"overlay", str(target).encode(), b"overlay", 0, options) != 0:
        error = ctypes.get_errno()
        raise StartError(f"failed to mount rootfs: mount overlay on {target}: {os.strerror(error)}")


def bind_mount(source: Path, target: Path, read_only: bool) -> None:
    """Show ``source`` at ``target`` in this mount namespace (a read-only bind needs a second remount)."""
    if _libc.mount(str(source).encode(), str(target).encode(), None, _MS_BIND | _MS_REC, None) != 0:
        error = ctypes.get_errno()
        raise StartError(f"failed to mount {source} at {target}: {os.strerror(error)}")
    flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
    if read_only and _libc.mount(None, str(target).encode(), None, flags, None) != 0:
        error = ctypes.get_errno()
        raise StartError(f"failed to remount {target} read-only: {os.strerror(error)}")


def unmount(target: Path) -> None:
    """Detach what is mounted at ``target``, with the mounts below it; nothing mounted is fine."""
    if _libc.umount2(str(target).encode(), _MNT_DETACH) != 0:
        error = ctypes.get_errno()
        if error not in (errno.EINVAL, errno.ENOENT):
            raise OSError(error, os.strerror(error), str(target))


def is_mountpoint(path: Path) -> bool:
    try:
        return os.path.ismount(path)
    except OSError:
        return False


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def resolve_in_root(root: Path, path: str) -> Path:
    """Host path of ``path`` as the container sees it: symlinks are followed inside ``root``, never out of it."""
    parts = [part for part in path.split("/") if part not in ("", ".")]
    resolved: list[str] = []
    followed = 0
    # Joined as strings: every container start resolves several paths, and Path objects made a
    # twentieth of the node's CPU.
    top = os.fspath(root)
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(top, *resolved, part)
        try:
            is_link = stat.S_ISLNK(os.lstat(candidate).st_mode)
        except FileNotFoundError:
            resolved.append(part)
            continue
        if not is_link:
            resolved.append(part)
            continue
        followed += 1
        if followed > _MAX_SYMLINKS:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)
        link = os.readlink(candidate)
        if link.startswith("/"):
            resolved = []
        parts = [piece for piece in link.split("/") if piece not in ("", ".")] + parts
    return root.joinpath(*resolved)


def find_executable(root: Path, name: str, env: dict[str, str], working_dir: str) -> None:
    """Fail as runc does when the command cannot be executed in ``root``."""
    if "/" in name:
        in_container = name if name.startswith("/") else os.path.join(working_dir, name)
        host = resolve_in_root(root, in_container)
        if not host.exists():
            raise StartError(f'exec: "{name}": stat {name}: no such file or directory', exit_code=127)
        if not host.is_file() or not os.access(host, os.X_OK):
            raise StartError(f'exec: "{name}": permission denied', exit_code=126)
        return
    for directory in env.get("PATH", DEFAULT_PATH).split(":"):
        host = resolve_in_root(root, os.path.join(directory or ".", name))
        if host.is_file() and os.access(host, os.X_OK):
            return
    raise StartError(f'exec: "{name}": executable file not found in $PATH', exit_code=127)


def ensure_directory(root: Path, path: str) -> None:
    """Create ``path`` inside ``root`` (as runc creates a missing working directory)."""
    resolve_in_root(root, path).mkdir(mode=0o755, parents=True, exist_ok=True)


def ensure_mountpoint(root: Path, target: str, source: Path) -> None:
    """Create the file or directory a mount of ``source`` needs at ``target`` inside ``root``."""
    host = resolve_in_root(root, target)
    if source.is_dir():
        host.mkdir(mode=0o755, parents=True, exist_ok=True)
    elif not host.exists():
        host.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        host.touch(mode=0o644)
