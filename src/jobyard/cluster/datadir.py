"""The data directory and the lock that gives one server sole use of it.

Two servers writing one store would corrupt it, so a server holds an exclusive
``flock`` on ``DIR/jobyard.lock`` for as long as it runs. The kernel drops the
lock when the process dies however it dies, so a file left by a killed server
never blocks the next one; the pid written into the file only serves to name
the holder in the refusal.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

__all__ = ["DataDirInUse", "DataDirLock", "prepare"]

LOCK_FILE = "jobyard.lock"


class DataDirInUse(Exception):
    """Another process holds the data directory's lock."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        holder = f"process {pid}" if pid is not None else "another process"
        super().__init__(f"data directory {data_dir} is in use by {holder}")


def prepare(data_dir: Path) -> Path:
    """Create ``data_dir`` (mode 0700, parents as needed) and return its absolute path."""
    data_dir = data_dir.expanduser().absolute()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return data_dir


class DataDirLock:
    """An exclusive, non-blocking lock on a data directory, usable as a context manager."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`DataDirInUse` naming the holder's pid."""
        if self._fd is not None:
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise DataDirInUse(self.data_dir, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # The file stays: removing it would let two newcomers both win, one
        # locking the old inode it opened before the removal, one a new file.
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    # The holder writes its pid just after locking; a reader that comes in
    # between sees an empty file and reports no pid rather than a wrong one.
    text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    return int(text) if text.isdigit() else None
