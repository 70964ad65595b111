"""Unpack one layer tar into its own directory, safely, with whiteouts in overlayfs's form.

Each layer becomes a directory holding only that layer's files; runtimes mount
the directories of an image as overlay lowerdirs. OCI marks deletions with
files: ``.wh.NAME`` removes NAME of a lower layer, ``.wh..wh..opq`` hides a
directory's lower content. Overlayfs wants a character device 0/0 in NAME's
place and the xattr ``trusted.overlay.opaque=y`` on the directory; creating
either needs CAP_MKNOD / CAP_SYS_ADMIN. Without them (not root) the layer keeps
OCI's marker files as they are, and whoever assembles a root file system from
it must apply them itself.

The tar is untrusted: an entry that would land outside the layer directory
(``..``, an absolute name, a path through a symlink, a hard link to something
not earlier in the same tar) or that makes a device node refuses the whole
layer, as does a truncated or malformed tar.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import zstandard

from jobyard.cluster.node.images._errors import PullError

__all__ = ["UnpackedLayer", "can_make_overlay_whiteouts", "unpack_layer"]

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_WHITEOUT_PREFIX = ".wh."
_OPAQUE_MARKER = ".wh..wh..opq"
_OPAQUE_XATTR = "trusted.overlay.opaque"
# tarfile reads at most a record (10 KiB) past the end-of-archive header; keep more than that.
_TAIL_BYTES = 1 << 17


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class UnpackedLayer:
    blob_digest: str
    diff_id: str
    size: int


def can_make_overlay_whiteouts() -> bool:
    return os.geteuid() == 0


class _HashingReader:
    """Passes reads through, hashing and counting them; keeps the last bytes read for the end-of-tar check."""

    def __init__(self, source: _Readable, on_read: Callable[[int], None] | None = None, keep_tail: bool = False):
        self._source = source
        self._on_read = on_read
        self._keep_tail = keep_tail
        self.hasher = hashlib.sha256()
        self.position = 0
        self.tail = bytearray()

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size)
        self.hasher.update(data)
        self.position += len(data)
        if self._keep_tail:
            self.tail += data
            del self.tail[:-_TAIL_BYTES]
        if self._on_read is not None and data:
            self._on_read(len(data))
        return data

    def drain(self) -> bytes:
        """Read to the end; return what was read."""
        rest = bytearray()
        while chunk := self.read(_CHUNK):
            rest += chunk
        return bytes(rest)

    @property
    def digest(self) -> str:
        return "sha256:" + self.hasher.hexdigest()


class _Prefixed:
    """A reader that first gives back bytes already taken from ``source`` to sniff its format."""

    def __init__(self, prefix: bytes, source: _Readable) -> None:
        self._prefix = prefix
        self._source = source

    def read(self, size: int = -1, /) -> bytes:
        if not self._prefix:
            return self._source.read(size)
        if size < 0:
            data, self._prefix = self._prefix + self._source.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(data) < size:
            data += self._source.read(size - len(data))
        return data


def unpack_layer(
    source: IO[bytes],
    destination: Path,
    *,
    overlay_whiteouts: bool,
    progress: Callable[[int], None] | None = None,
) -> UnpackedLayer:
    """Unpack a gzip, zstd or plain layer tar from ``source`` into the new directory ``destination``.

    Returns the digests of the blob as read and of the uncompressed tar (the
    diffID) for the caller to check; raises PullError on an unsafe or broken tar.
    """
    destination.mkdir(mode=0o755)
    raw = _HashingReader(source, progress)
    magic = raw.read(4)
    framed = _Prefixed(magic, raw)
    decompressed: _Readable
    if magic.startswith(_GZIP_MAGIC):
        decompressed = gzip.GzipFile(fileobj=framed, mode="rb")  # type: ignore[call-overload]
    elif magic == _ZSTD_MAGIC:
        decompressed = zstandard.ZstdDecompressor().stream_reader(framed, read_across_frames=True)  # type: ignore[arg-type]
    else:
        decompressed = framed
    tar_stream = _HashingReader(decompressed, keep_tail=True)
    try:
        size = _Extractor(destination, overlay_whiteouts).extract(tar_stream)
        raw.drain()
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error, zstandard.ZstdError, ValueError) as error:
        raise PullError(f"layer is not a valid tar: {error}") from None
    except OSError as error:
        raise PullError(f"unpacking the layer failed: {error}") from None
    return UnpackedLayer(blob_digest=raw.digest, diff_id=tar_stream.digest, size=size)


class _Extractor:
    def __init__(self, root: Path, overlay_whiteouts: bool) -> None:
        self.root = root
        self.overlay_whiteouts = overlay_whiteouts
        self.as_root = os.geteuid() == 0
        self.directories: list[tuple[Path, tarfile.TarInfo]] = []
        self.whiteouts: set[Path] = set()

    def extract(self, stream: _HashingReader) -> int:
        size = 0
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                size += self._entry(tar, member)
            end_offset = tar.offset
        self._check_end(stream, end_offset)
        # Directory times last: creating their entries changed them.
        for path, member in reversed(self.directories):
            os.utime(path, (member.mtime, member.mtime), follow_symlinks=False)
        return size

    def _check_end(self, stream: _HashingReader, end_offset: int) -> None:
        """tarfile stops quietly at a bad header or at EOF; only zero blocks may follow the last entry."""
        already_read = stream.position - end_offset
        if already_read > len(stream.tail):
            raise PullError("layer is not a valid tar: could not check its end")
        trailer = bytes(stream.tail[len(stream.tail) - already_read :]) + stream.drain()
        if len(trailer) < tarfile.BLOCKSIZE:
            raise PullError("layer is not a valid tar: it is truncated (no end-of-archive marker)")
        if trailer.strip(b"\0"):
            raise PullError(f"layer is not a valid tar: malformed entry header at byte {end_offset}")

    def _entry(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> int:
        parts = _member_parts(member.name)
        if not parts:
            return 0
        parent = self._parent(parts[:-1], member.name)
        name = parts[-1]
        if name == _OPAQUE_MARKER:
            self._opaque(parent)
            return 0
        if name.startswith(_WHITEOUT_PREFIX):
            self._whiteout(parent, name, member)
            return 0
        target = parent / name
        self._clear(target, keep_directory=member.isdir())
        replaces_whiteout = target in self.whiteouts
        self.whiteouts.discard(target)
        if member.isdir():
            if not target.is_dir():
                target.mkdir(mode=0o700)
                if replaces_whiteout:
                    # A directory replacing a whited-out one must hide what lower layers had there.
                    self._set_opaque(target)
            self.directories.append((target, member))
        elif member.isreg():
            self._write_file(tar, member, target)
        elif member.issym():
            os.symlink(member.linkname, target)
        elif member.islnk():
            source = self._link_source(member)
            os.link(source, target, follow_symlinks=False)
            return 0
        elif member.isfifo():
            os.mkfifo(target, 0o600)
        elif member.ischr() or member.isblk():
            raise PullError(f"layer refused: {member.name!r} is a device node")
        else:
            raise PullError(f"layer refused: {member.name!r} has unsupported tar type {member.type!r}")
        self._set_attributes(target, member)
        return member.size if member.isreg() else 0

    def _parent(self, parts: tuple[str, ...], name: str) -> Path:
        """The directory an entry goes in, created as needed, never reached through a symlink."""
        current = self.root
        for part in parts:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                current.mkdir(mode=0o755)
                continue
            if stat.S_ISLNK(mode):
                raise PullError(f"layer refused: {name!r} would be written through the symlink {part!r}")
            if not stat.S_ISDIR(mode):
                raise PullError(f"layer refused: {name!r} is under {part!r}, which is not a directory")
        return current

    def _link_source(self, member: tarfile.TarInfo) -> Path:
        parts = _member_parts(member.linkname, what="hard link target")
        if not parts:
            raise PullError(f"layer refused: hard link {member.name!r} points at the layer's root")
        current = self.root
        for part in parts[:-1]:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                mode = 0
            if not stat.S_ISDIR(mode):
                raise PullError(
                    f"layer refused: hard link {member.name!r} points at {member.linkname!r}, "
                    "which is not an earlier entry of this layer"
                )
        source = current / parts[-1]
        try:
            mode = os.lstat(source).st_mode
        except FileNotFoundError:
            mode = 0
        if mode == 0 or stat.S_ISDIR(mode) or source in self.whiteouts:
            raise PullError(
                f"layer refused: hard link {member.name!r} points at {member.linkname!r}, "
                "which is not an earlier entry of this layer"
            )
        return source

    def _clear(self, target: Path, *, keep_directory: bool) -> None:
        """Later entries replace earlier ones of the same name, as tar extraction does."""
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            return
        if stat.S_ISDIR(mode):
            if not keep_directory:
                shutil.rmtree(target)
        else:
            target.unlink()

    def _write_file(self, tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
        content = tar.extractfile(member)
        assert content is not None, "regular members always have content"
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        written = 0
        with os.fdopen(descriptor, "wb") as sink:
            while chunk := content.read(min(_CHUNK, member.size - written)):
                sink.write(chunk)
                written += len(chunk)
        if written != member.size:
            raise PullError(f"layer is not a valid tar: it is truncated inside {member.name!r}")

    def _set_attributes(self, target: Path, member: tarfile.TarInfo) -> None:
        if self.as_root:
            os.lchown(target, member.uid, member.gid)
        if not member.issym():
            mode = member.mode & 0o7777
            if member.isdir() and not self.as_root:
                # Without CAP_DAC_OVERRIDE the store could neither fill nor remove a read-only directory.
                mode |= 0o700
            os.chmod(target, mode)
        if not member.isdir():
            os.utime(target, (member.mtime, member.mtime), follow_symlinks=False)

    def _whiteout(self, parent: Path, name: str, member: tarfile.TarInfo) -> None:
        hidden = name[len(_WHITEOUT_PREFIX) :]
        if hidden in ("", ".", "..") or "/" in hidden:
            raise PullError(f"layer refused: invalid whiteout {member.name!r}")
        if not self.overlay_whiteouts:
            self._keep_marker(parent / name)
            return
        target = parent / hidden
        self._clear(target, keep_directory=False)
        os.mknod(target, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        self.whiteouts.add(target)

    def _opaque(self, parent: Path) -> None:
        if self.overlay_whiteouts:
            self._set_opaque(parent)
        else:
            self._keep_marker(parent / _OPAQUE_MARKER)

    def _set_opaque(self, directory: Path) -> None:
        os.setxattr(directory, _OPAQUE_XATTR, b"y", follow_symlinks=False)

    def _keep_marker(self, marker: Path) -> None:
        self._clear(marker, keep_directory=False)
        marker.touch(mode=0o600)


def _member_parts(name: str, what: str = "entry") -> tuple[str, ...]:
    if "\0" in name:
        raise PullError(f"layer refused: {what} {name!r} contains a NUL byte")
    if name.startswith("/"):
        raise PullError(f"layer refused: {what} {name!r} is an absolute path")
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise PullError(f"layer refused: {what} {name!r} contains '..'")
    return parts
