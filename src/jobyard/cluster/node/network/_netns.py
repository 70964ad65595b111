"""Named network namespaces, made and removed as ``ip netns add`` and ``ip netns del`` do, without the process.

A namespace is named by bind-mounting it onto a file of ``/run/netns``; it
lives while that mount does, or while a process or socket holds it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["create", "delete", "prepare_directory"]

T = TypeVar("T")

_CLONE_NEWNET = 0x40000000
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_SHARED = 1 << 20
_MNT_DETACH = 0x2

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, call: str, path: Path | str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{call}: {os.strerror(code)}", str(path))


def _mount(source: str, target: Path, flags: int) -> None:
    _check(_libc.mount(source.encode(), str(target).encode(), b"none", flags, None), "mount", target)


def prepare_directory(directory: Path) -> None:
    """Make ``directory`` a shared mount, as ``ip netns`` does.

    Mount namespaces made later (every container's) get copies of the namespace
    mounts below it; shared, those copies are unmounted along with the
    originals, instead of keeping deleted namespaces alive.
    """
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)
    try:
        _mount("", directory, _MS_SHARED | _MS_REC)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
        # Only a mount point can be shared: make the directory one, bound onto itself.
        _mount(str(directory), directory, _MS_BIND | _MS_REC)
        _mount("", directory, _MS_SHARED | _MS_REC)


def create(path: Path, configure: Callable[[int], T]) -> T:
    """A new network namespace named by ``path``, then ``configure(fd of the namespace)`` run inside it.

    The namespace is made by a thread of its own that moves into it, so that
    sockets ``configure`` opens belong to it; the thread ends with ``configure``,
    since one left there would open any later socket in the pod. A failure
    leaves no namespace behind.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def in_new_namespace() -> None:
        try:
            _check(_libc.unshare(_CLONE_NEWNET), "unshare", path)
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0))
            try:
                _mount("/proc/thread-self/ns/net", path, _MS_BIND)
                namespace = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    outcome.append(configure(namespace))
                finally:
                    os.close(namespace)
            except BaseException:
                delete(path)
                raise
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=in_new_namespace, name=f"netns {path.name}")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def delete(path: Path) -> bool:
    """Unmount and remove the namespace named by ``path``; False when there was none.

    The namespace goes once nothing else holds it, and the kernel then removes
    its devices, and so veth pairs, in the background.
    """
    try:
        _check(_libc.umount2(str(path).encode(), _MNT_DETACH), "umount2", path)
    except OSError as error:
        # EINVAL: a file but no mount on it, left by a crash between the two steps of ``create``.
        if error.errno not in (errno.EINVAL, errno.ENOENT):
            raise
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
