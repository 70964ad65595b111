"""Container logs in the CRI format the kubelet reads, and how they are read back.

Each line of a log file is ``<RFC3339Nano time> <stdout|stderr> <F|P> <content>``:
``F`` ends a line, ``P`` is a piece of a line longer than 16 KiB (or the unterminated
end of a stream) that the next entries continue, as containerd writes them.
A file rotates to ``path.1`` … ``path.<max_files-1>`` once it would grow past
``max_bytes``, as the kubelet's container log manager rotates them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "MAX_LINE_BYTES",
    "LogEntry",
    "LogWriter",
    "follow_files",
    "follow_logs",
    "format_timestamp",
    "parse_line",
    "pump",
    "read_logs",
    "rotated_paths",
]

# containerd's max_container_log_line_size.
MAX_LINE_BYTES = 16 * 1024
POLL_SECONDS = 0.1


def format_timestamp(epoch_ns: int) -> str:
    """RFC3339 with nine fraction digits, as the kubelet prints ``--timestamps``."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{nanos:09d}Z"


def _parse_timestamp(text: str) -> float:
    """Epoch seconds of an RFC3339(Nano) UTC timestamp; Go trims trailing fraction zeros."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    base = dt.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC).timestamp()
    return base + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


@dataclass(frozen=True)
class LogEntry:
    timestamp: str
    epoch: float
    stream: str
    partial: bool
    content: bytes


def parse_line(line: bytes) -> LogEntry | None:
    """One CRI log line (without its newline); None when it is not one."""
    parts = line.split(b" ", 3)
    if len(parts) < 3:
        return None
    stamp, stream, tag = parts[0].decode("ascii", "replace"), parts[1].decode("ascii", "replace"), parts[2]
    if tag not in (b"F", b"P"):
        return None
    try:
        epoch = _parse_timestamp(stamp)
    except ValueError:
        return None
    return LogEntry(stamp, epoch, stream, tag == b"P", parts[3] if len(parts) == 4 else b"")


def rotated_paths(path: Path) -> list[Path]:
    """The files of one log, oldest first: ``path.N`` … ``path.1``, ``path``."""
    rotated = []
    for candidate in path.parent.glob(path.name + ".*"):
        suffix = candidate.name[len(path.name) + 1 :]
        if suffix.isdigit():
            rotated.append((int(suffix), candidate))
    return [candidate for _, candidate in sorted(rotated, reverse=True)] + [path]


class LogWriter:
    """Writes a container's output as CRI log lines, rotating by size."""

    def __init__(self, path: Path, max_bytes: int = 10 * 1024 * 1024, max_files: int = 5) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.max_files = max(1, max_files)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "ab")  # noqa: SIM115 - kept open for the container's life
        self._size = self._file.tell()
        # Per stream: bytes of a line not yet ended by a newline.
        self._pending: dict[str, bytearray] = {}

    def write(self, stream: str, data: bytes) -> None:
        """Append output of ``stream``; lines are written once complete or 16 KiB long."""
        pending = self._pending.setdefault(stream, bytearray())
        pending += data
        start = 0
        while True:
            newline = pending.find(b"\n", start, start + MAX_LINE_BYTES + 1)
            if newline != -1:
                self._entry(stream, False, bytes(pending[start:newline]))
                start = newline + 1
            elif len(pending) - start >= MAX_LINE_BYTES:
                self._entry(stream, True, bytes(pending[start : start + MAX_LINE_BYTES]))
                start += MAX_LINE_BYTES
            else:
                break
        del pending[:start]
        self._file.flush()

    def write_line(self, stream: str, content: bytes) -> None:
        """Write one whole line (without its newline), split into 16 KiB pieces if longer."""
        while len(content) > MAX_LINE_BYTES:
            self._entry(stream, True, content[:MAX_LINE_BYTES])
            content = content[MAX_LINE_BYTES:]
        self._entry(stream, False, content)
        self._file.flush()

    def end_stream(self, stream: str) -> None:
        """The stream closed: an unterminated last line is kept as a partial entry, as containerd does."""
        pending = self._pending.pop(stream, None)
        if pending:
            self._entry(stream, True, bytes(pending))
            self._file.flush()

    def close(self) -> None:
        for stream in list(self._pending):
            self.end_stream(stream)
        self._file.close()

    def _entry(self, stream: str, partial: bool, content: bytes) -> None:
        line = b"%s %s %s %s\n" % (
            format_timestamp(time.time_ns()).encode(),
            stream.encode(),
            b"P" if partial else b"F",
            content,
        )
        if self._size and self._size + len(line) > self.max_bytes:
            self._rotate()
        self._file.write(line)
        self._size += len(line)

    def _rotate(self) -> None:
        self._file.close()
        oldest = self.path.with_name(f"{self.path.name}.{self.max_files - 1}")
        if self.max_files == 1:
            self.path.unlink(missing_ok=True)
        else:
            oldest.unlink(missing_ok=True)
            for index in range(self.max_files - 2, 0, -1):
                source = self.path.with_name(f"{self.path.name}.{index}")
                if source.exists():
                    source.rename(self.path.with_name(f"{self.path.name}.{index + 1}"))
            self.path.rename(self.path.with_name(f"{self.path.name}.1"))
        self._file = open(self.path, "ab")  # noqa: SIM115
        self._size = 0


async def pump(reader: asyncio.StreamReader, writer: LogWriter | None, stream: str) -> None:
    """Copy a process's pipe into the log until it closes (draining it even without a log)."""
    while chunk := await reader.read(65536):
        if writer is not None:
            writer.write(stream, chunk)
    if writer is not None:
        writer.end_stream(stream)


def _entries(path: Path) -> Iterator[LogEntry]:
    for file_path in rotated_paths(path):
        try:
            with open(file_path, "rb") as handle:
                for raw in handle:
                    entry = parse_line(raw.rstrip(b"\n"))
                    if entry is not None:
                        yield entry
        except FileNotFoundError:
            continue


class _Joiner:
    """Joins partial entries into lines and renders them as the kubelet does."""

    def __init__(self, since_time: float | None, timestamps: bool) -> None:
        self.since_time = since_time
        self.timestamps = timestamps
        self._open: dict[str, tuple[LogEntry, bytearray]] = {}

    def feed(self, entry: LogEntry) -> bytes | None:
        first, content = self._open.pop(entry.stream, (entry, bytearray()))
        content += entry.content
        if entry.partial:
            self._open[entry.stream] = (first, content)
            return None
        return self._render(first, bytes(content) + b"\n")

    def unterminated(self) -> list[bytes]:
        rendered = [self._render(first, bytes(content)) for first, content in self._open.values()]
        self._open.clear()
        return [line for line in rendered if line is not None]

    def _render(self, first: LogEntry, content: bytes) -> bytes | None:
        if self.since_time is not None and first.epoch < self.since_time:
            return None
        if self.timestamps:
            return format_timestamp(round(first.epoch * 1e9)).encode() + b" " + content
        return content


def _limited(lines: Iterable[bytes], limit_bytes: int | None) -> bytes:
    output = b"".join(lines)
    return output if limit_bytes is None else output[:limit_bytes]


def read_logs(
    path: Path,
    *,
    tail_lines: int | None = None,
    since_time: float | None = None,
    timestamps: bool = False,
    limit_bytes: int | None = None,
) -> bytes:
    """A container's log (with its rotated files) as ``kubectl logs`` shows it."""
    joiner = _Joiner(since_time, timestamps)
    lines: deque[bytes] = deque(maxlen=tail_lines if tail_lines is not None and tail_lines >= 0 else None)
    for entry in _entries(path):
        line = joiner.feed(entry)
        if line is not None:
            lines.append(line)
    lines.extend(joiner.unterminated())
    return _limited(lines, limit_bytes)


async def follow_logs(
    path: Path,
    done: Callable[[], bool],
    *,
    tail_lines: int | None = None,
    since_time: float | None = None,
    timestamps: bool = False,
    limit_bytes: int | None = None,
) -> AsyncIterator[bytes]:
    """Yield the log's lines, then new ones as they are written, until ``done()`` and the file is drained.

    A rotation shows as the path's inode changing: the old file is read to its end first.
    """
    joiner = _Joiner(since_time, timestamps)
    budget = limit_bytes
    carry = b""

    def lines_of(data: bytes) -> list[bytes]:
        nonlocal carry
        complete, _, carry = (carry + data).rpartition(b"\n")
        entries = (parse_line(raw) for raw in complete.split(b"\n")) if complete else ()
        return [line for entry in entries if entry is not None and (line := joiner.feed(entry)) is not None]

    def within_budget(lines: Iterable[bytes]) -> list[bytes]:
        nonlocal budget
        if budget is None:
            return list(lines)
        kept = []
        for line in lines:
            if budget <= 0:
                break
            kept.append(line[:budget])
            budget -= len(kept[-1])
        return kept

    history: deque[bytes] = deque(maxlen=tail_lines if tail_lines is not None and tail_lines >= 0 else None)
    for rotated in rotated_paths(path)[:-1]:
        history.extend(lines_of(rotated.read_bytes()))
    handle = _open_or_none(path)
    try:
        if handle is not None:
            history.extend(lines_of(handle.read()))
        for line in within_budget(history):
            yield line
        while budget is None or budget > 0:
            finished = done()
            if handle is None:
                handle = _open_or_none(path)
            while handle is not None:
                fresh = lines_of(handle.read())
                for line in within_budget(fresh):
                    yield line
                if not _rotated_away(handle, path):
                    break
                fresh = lines_of(handle.read())
                # Several rotations may have passed since the last poll: read the files in between too.
                for between in _rotated_after(path, os.fstat(handle.fileno()).st_ino):
                    fresh += lines_of(between.read_bytes())
                for line in within_budget(fresh):
                    yield line
                handle.close()
                handle = _open_or_none(path)
            if finished:
                for line in within_budget(joiner.unterminated()):
                    yield line
                return
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if handle is not None:
            handle.close()


def _open_or_none(path: Path) -> BinaryIO | None:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by follow_logs
    except FileNotFoundError:
        return None


def _rotated_after(path: Path, inode: int) -> list[Path]:
    """Rotated files newer than the one with ``inode`` (all of them when it is gone)."""
    rotated = rotated_paths(path)[:-1]
    for index, candidate in enumerate(rotated):
        try:
            if candidate.stat().st_ino == inode:
                return rotated[index + 1 :]
        except FileNotFoundError:
            continue
    return rotated


def _rotated_away(handle: BinaryIO, path: Path) -> bool:
    try:
        return os.stat(path).st_ino != os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


async def follow_files(
    root: Path,
    patterns: Sequence[str],
    writer: LogWriter,
    done: Callable[[], bool],
    *,
    stream: str = "stdout",
) -> None:
    """Tail files under ``root`` matching glob ``patterns`` (also files created later) into ``writer``.

    Each line is prefixed with the file's path relative to root, e.g. ``[app.log] text``:
    the ``jobyard.io/log-paths`` annotation shows files a container writes in a volume
    next to its own output.
    """
    offsets: dict[Path, int] = {}
    carries: dict[Path, bytes] = {}
    while True:
        finished = done()
        for file_path in _matching(root, patterns):
            offset = offsets.get(file_path, 0)
            try:
                size = file_path.stat().st_size
                if size < offset:
                    offset = 0
                with open(file_path, "rb") as handle:
                    handle.seek(offset)
                    data = carries.pop(file_path, b"") + handle.read()
                    offsets[file_path] = handle.tell()
            except OSError:
                continue
            complete, _, carry = data.rpartition(b"\n")
            if carry:
                carries[file_path] = carry
            if not complete and not data.endswith(b"\n"):
                continue
            prefix = b"[%s] " % file_path.relative_to(root).as_posix().encode()
            for line in complete.split(b"\n"):
                writer.write_line(stream, prefix + line)
        if finished:
            for file_path, carry in carries.items():
                writer.write_line(stream, b"[%s] " % file_path.relative_to(root).as_posix().encode() + carry)
            return
        await asyncio.sleep(POLL_SECONDS)


def _matching(root: Path, patterns: Sequence[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        relative = pattern.lstrip("/")
        if any(part == ".." for part in Path(relative).parts):
            continue
        for candidate in root.glob(relative):
            if candidate.is_file() and not candidate.is_symlink():
                found.add(candidate)
    return sorted(found)
