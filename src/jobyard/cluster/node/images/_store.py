"""The node's content-addressed image store.

Layout under ``root`` (``DATA/images``)::

    images.json          every image: names, digests, config, layers (written whole, atomically)
    blobs/sha256/HEX     manifests, indexes and configs, stored once by digest
    layers/HEX           one directory per layer diffID: that layer's files, whiteouts in overlayfs form
    tmp/PID-RANDOM/      work in progress; renamed into place only when complete
    lock                 flock held while images.json is rewritten
    activity.lock        pulls and loads hold it shared; removing unreferenced content needs it exclusive

Compressed layer blobs are not kept: once a layer is unpacked and its diffID
checked, the directory is the layer. A pull that stops half way leaves only
``tmp/`` entries (removed once their process is gone) and perhaps unpacked
layers no image names, which the next sweep removes.

The server and the ``jobyard image`` commands may use one store at once: the
flocks work across processes, and readers never lock because every file they
read is replaced by rename.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobyard.cluster.node.images._archive import ArchiveImage, ArchiveReader, archive_images, open_archive
from jobyard.cluster.node.images._credentials import RegistryCredential
from jobyard.cluster.node.images._errors import ImageInUse, ImageNotFound, PullError
from jobyard.cluster.node.images._oci import Descriptor, ImageConfig, parse_config
from jobyard.cluster.node.images._reference import Reference, parse_reference
from jobyard.cluster.node.images._registry import RegistryClient, ResolvedImage
from jobyard.cluster.node.images._unpack import UnpackedLayer, can_make_overlay_whiteouts, unpack_layer

__all__ = ["Image", "ImageStore", "Progress", "low_disk"]

# (bytes done, bytes in all) of the layers a pull or load has to fetch and unpack.
Progress = Callable[[int, int], None]

_PARALLEL_LAYER_DOWNLOADS = 3
# An image's last use is written at most this often: the kubelet marks it for every container it
# starts, and garbage collection needs no finer order than minutes.
_LAST_USED_GRAIN_SECONDS = 60.0

# List types are spelled out here because ImageStore.list shadows the builtin inside the class body.
_Listeners = list[Progress]
_ArchiveImages = list[ArchiveImage]


@dataclass(frozen=True)
class Image:
    """An image in the store. ``id`` is its config's digest; ``digest`` the manifest (or index) it came from."""

    id: str
    digest: str | None
    references: tuple[str, ...]
    repo_digests: tuple[str, ...]
    config: ImageConfig
    layers: tuple[Path, ...]
    size: int
    last_used: float = field(default=0.0, compare=False)

    @property
    def image_ref(self) -> str:
        """What a pod's ``containerStatuses[].imageID`` shows: ``docker.io/library/busybox@sha256:…``, else the id."""
        return self.repo_digests[0] if self.repo_digests else self.id

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]


_Images = list[Image]


def low_disk(path: Path, *, min_free_fraction: float = 0.1, min_free_bytes: int = 0) -> bool:
    """Whether the file system holding ``path`` has less free than the larger of the two thresholds."""
    return _bytes_short(path, min_free_fraction, min_free_bytes) > 0


def _bytes_short(path: Path, min_free_fraction: float, min_free_bytes: int) -> int:
    usage = shutil.disk_usage(path)
    wanted = max(min_free_bytes, int(usage.total * min_free_fraction))
    return max(0, wanted - usage.free)


class _Reporter:
    """Adds up bytes from concurrent layer transfers and tells every listener the running total."""

    def __init__(self, total: int, listeners: _Listeners) -> None:
        self.total = total
        self.done = 0
        self._listeners = listeners

    def __call__(self, amount: int) -> None:
        self.done += amount
        for listener in self._listeners:
            listener(min(self.done, self.total), self.total)


class ImageStore:
    """Images for the node: pulled from registries or loaded from archives, unpacked once, shared read-only."""

    def __init__(
        self,
        root: Path,
        insecure_registries: Iterable[str] = (),
        *,
        min_free_fraction: float = 0.1,
        min_free_bytes: int = 0,
        overlay_whiteouts: bool | None = None,
        registry_timeout: float = 30.0,
    ) -> None:
        self.root = root
        self.insecure_registries = tuple(insecure_registries)
        self.min_free_fraction = min_free_fraction
        self.min_free_bytes = min_free_bytes
        self.overlay_whiteouts = can_make_overlay_whiteouts() if overlay_whiteouts is None else overlay_whiteouts
        self.registry_timeout = registry_timeout
        for directory in (root, root / "blobs" / "sha256", root / "layers", root / "tmp"):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._pulls: dict[str, tuple[asyncio.Task[Image], _Listeners]] = {}
        self._read: tuple[tuple[int, int, int], dict[str, dict[str, Any]]] | None = None
        self._last_marked: dict[str, float] = {}
        self._layer_fetches: dict[str, asyncio.Task[None]] = {}
        self._remove_abandoned_work()

    # Reading

    def list(self) -> list[Image]:
        """Every image, most recently used first."""
        images = [self._image(record) for record in self._current_records().values()]
        return sorted(images, key=lambda image: image.last_used, reverse=True)

    def find(self, reference: str) -> Image | None:
        """The image a reference names (``busybox``, ``name@sha256:…``), else one whose id is or starts with it."""
        record = self._find_record(self._current_records(), reference)
        return None if record is None else self._image(record)

    def layer_path(self, diff_id: str) -> Path:
        return self.root / "layers" / diff_id.removeprefix("sha256:")

    def low_disk(self) -> bool:
        return self.bytes_to_free() > 0

    def bytes_to_free(self) -> int:
        """How much must go for the store's file system to be above its free-space threshold again."""
        return _bytes_short(self.root, self.min_free_fraction, self.min_free_bytes)

    # Pulling

    async def pull(
        self, reference: str, credentials: Iterable[RegistryCredential] = (), progress: Progress | None = None
    ) -> Image:
        """Fetch ``reference`` from its registry (a tag is resolved again every time) and return the stored image.

        Concurrent pulls of one reference share a single transfer. Raises
        ``ValueError`` for an invalid reference and ``PullError`` when the
        registry or the content fails; nothing of a failed pull stays visible.
        """
        parsed = parse_reference(reference)
        key = str(parsed)
        flight = self._pulls.get(key)
        if flight is None:
            listeners: _Listeners = []
            task = asyncio.ensure_future(self._pull(parsed, tuple(credentials), listeners))
            flight = (task, listeners)
            self._pulls[key] = flight
            task.add_done_callback(lambda done: self._forget_pull(key, done))
        if progress is not None:
            flight[1].append(progress)
        # Shielded: one caller giving up must not cancel the pull the others wait for.
        return await asyncio.shield(flight[0])

    def _forget_pull(self, key: str, task: asyncio.Task[Image]) -> None:
        self._pulls.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here so an abandoned failure is not reported as unhandled

    async def _pull(
        self, reference: Reference, credentials: tuple[RegistryCredential, ...], listeners: _Listeners
    ) -> Image:
        async with RegistryClient(
            reference,
            credentials=credentials,
            insecure_registries=self.insecure_registries,
            timeout=self.registry_timeout,
        ) as client:
            resolved = await client.resolve()
            config_data = resolved.documents[resolved.manifest.config.digest]
            config, diff_ids = _checked_config(config_data, len(resolved.manifest.layers), str(reference))
            try:
                return await self._fetch_and_commit(client, resolved, reference, config, diff_ids, listeners)
            except BaseException:
                # Layers this pull unpacked but no image names go now, unless another pull is running.
                await asyncio.to_thread(self._sweep)
                raise

    async def _fetch_and_commit(
        self,
        client: RegistryClient,
        resolved: ResolvedImage,
        reference: Reference,
        config: ImageConfig,
        diff_ids: tuple[str, ...],
        listeners: _Listeners,
    ) -> Image:
        activity = await asyncio.to_thread(self._hold_activity)
        try:
            missing = [
                (descriptor, diff_id)
                for descriptor, diff_id in zip(resolved.manifest.layers, diff_ids, strict=True)
                if not self.layer_path(diff_id).is_dir()
            ]
            reporter = _Reporter(sum(max(descriptor.size, 0) for descriptor, _ in missing), listeners)
            limit = asyncio.Semaphore(_PARALLEL_LAYER_DOWNLOADS)

            async def fetch(descriptor: Descriptor, diff_id: str) -> None:
                async with limit:
                    await self._ensure_layer(client, descriptor, diff_id, reporter)

            await asyncio.gather(*(fetch(descriptor, diff_id) for descriptor, diff_id in missing))
            record = _record(
                image_id=resolved.manifest.config.digest,
                digest=resolved.digest,
                references=(str(reference),) if reference.digest is None else (),
                repo_digests=(reference.with_digest(resolved.digest),),
                config=config,
                diff_ids=diff_ids,
                blobs=tuple(resolved.documents),
            )
            return await asyncio.to_thread(self._commit, record, resolved.documents)
        finally:
            await asyncio.to_thread(os.close, activity)

    async def _ensure_layer(
        self, client: RegistryClient, descriptor: Descriptor, diff_id: str, reporter: _Reporter
    ) -> None:
        """Download and unpack a layer unless it is there; images pulled together share one download."""
        fetch = self._layer_fetches.get(diff_id)
        if fetch is None:
            fetch = asyncio.ensure_future(self._fetch_layer(client, descriptor, diff_id, reporter))
            self._layer_fetches[diff_id] = fetch
            fetch.add_done_callback(lambda done: self._forget_layer_fetch(diff_id, done))
        await asyncio.shield(fetch)

    def _forget_layer_fetch(self, diff_id: str, task: asyncio.Task[None]) -> None:
        self._layer_fetches.pop(diff_id, None)
        if not task.cancelled():
            task.exception()  # the pulls that awaited it saw the failure; one that gave up must not leave it unhandled

    async def _fetch_layer(
        self, client: RegistryClient, descriptor: Descriptor, diff_id: str, reporter: _Reporter
    ) -> None:
        if self.layer_path(diff_id).is_dir():
            reporter(max(descriptor.size, 0))
            return
        work = self._work_dir()
        try:
            blob = work / "blob"
            await client.fetch_blob(descriptor, blob, reporter)
            unpacked = await asyncio.to_thread(self._unpack_file, blob, work / "layer")
            _check_layer(unpacked, descriptor.digest, diff_id, str(client.reference))
            await asyncio.to_thread(self._install_layer, work / "layer", diff_id)
        finally:
            await asyncio.to_thread(shutil.rmtree, work, True)

    def _unpack_file(self, blob: Path, destination: Path) -> UnpackedLayer:
        with blob.open("rb") as source:
            return unpack_layer(source, destination, overlay_whiteouts=self.overlay_whiteouts)

    def _install_layer(self, unpacked: Path, diff_id: str) -> None:
        try:
            unpacked.rename(self.layer_path(diff_id))
        except OSError:
            # Another process unpacked the same layer first; theirs is identical.
            if not self.layer_path(diff_id).is_dir():
                raise

    # Loading archives

    def load_archive(self, path: Path, progress: Progress | None = None) -> _Images:
        """Load every image of a ``docker save`` / skopeo docker-archive tar, an OCI archive tar or an OCI layout dir.

        Raises ``PullError`` when the archive or a layer is invalid or unsafe; images loaded before that stay.
        """
        with open_archive(path) as reader:
            found = archive_images(reader)
            try:
                return self._load_all(reader, found, progress)
            except BaseException:
                self._sweep()
                raise

    def _load_all(self, reader: ArchiveReader, found: _ArchiveImages, progress: Progress | None) -> _Images:
        activity = self._hold_activity()
        try:
            total = sum(layer.size for image in found for layer in image.layers)
            reporter = _Reporter(total, [progress] if progress else [])
            return [self._load_one(reader, image, reporter) for image in found]
        finally:
            os.close(activity)

    def _load_one(self, reader: ArchiveReader, image: ArchiveImage, reporter: _Reporter) -> Image:
        config, diff_ids = _checked_config(image.documents[image.config_digest], len(image.layers), "archive image")
        for layer, diff_id in zip(image.layers, diff_ids, strict=True):
            if self.layer_path(diff_id).is_dir():
                reporter(layer.size)
                continue
            work = self._work_dir()
            try:
                with reader.open(layer.member) as source:
                    unpacked = unpack_layer(
                        source, work / "layer", overlay_whiteouts=self.overlay_whiteouts, progress=reporter
                    )
                _check_layer(unpacked, layer.digest, diff_id, f"archive layer {layer.member}")
                self._install_layer(work / "layer", diff_id)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        record = _record(
            image_id=image.config_digest,
            digest=image.digest,
            references=image.references,
            repo_digests=(),
            config=config,
            diff_ids=diff_ids,
            blobs=tuple(image.documents),
        )
        return self._commit(record, image.documents)

    # Removing

    def remove(self, reference_or_id: str, in_use: Collection[str]) -> None:
        """Remove an image, or only the name given when the image has others; refuse while a container uses it."""
        with self._metadata_lock():
            records = self._records()
            record = self._find_record(records, reference_or_id)
            if record is None:
                raise ImageNotFound(f"no such image: {reference_or_id}")
            if _used(record, in_use):
                raise ImageInUse(f"image {reference_or_id} ({record['id']}) is in use by a container")
            name = _normalized_or_none(reference_or_id)
            if name in record["references"] and len(record["references"]) + len(record["repo_digests"]) > 1:
                record["references"].remove(name)
            else:
                del records[record["id"]]
            self._write_records(records)
        self._sweep()

    def mark_used(self, image: Image) -> None:
        """Record that a container was started from ``image``: garbage collection removes the longest unused first."""
        now = time.time()
        if now - self._last_marked.get(image.id, -_LAST_USED_GRAIN_SECONDS) < _LAST_USED_GRAIN_SECONDS:
            return
        self._last_marked[image.id] = now
        with self._metadata_lock():
            records = self._records()
            if image.id in records:
                records[image.id]["last_used"] = now
                self._write_records(records)

    def collect_garbage(self, in_use: Collection[str], need_free_bytes: int) -> int:
        """Remove unreferenced layers and blobs, then unused images (longest unused first) until enough is freed.

        Returns the bytes freed. While a pull or load runs (here or in another
        process) nothing is removed from disk, since it may be about to use a
        layer no image names yet.
        """
        freed = self._sweep()
        if freed is None:
            return 0
        while freed < need_free_bytes:
            with self._metadata_lock():
                records = self._records()
                unused = sorted(
                    (record for record in records.values() if not _used(record, in_use)),
                    key=lambda record: record["last_used"],
                )
                if not unused:
                    break
                del records[unused[0]["id"]]
                self._write_records(records)
            swept = self._sweep()
            if swept is None:
                break
            freed += swept
        return freed

    def _sweep(self) -> int | None:
        """Delete layers and blobs no image refers to; None (nothing done) while a pull or load is running."""
        activity = os.open(self.root / "activity.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(activity, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            records = self._records()
            wanted_layers = {
                diff_id.removeprefix("sha256:") for record in records.values() for diff_id in record["diff_ids"]
            }
            wanted_blobs = {digest.removeprefix("sha256:") for record in records.values() for digest in record["blobs"]}
            freed = 0
            for directory, wanted in (
                (self.root / "layers", wanted_layers),
                (self.root / "blobs" / "sha256", wanted_blobs),
            ):
                for entry in directory.iterdir():
                    if entry.name not in wanted:
                        freed += _disk_bytes(entry)
                        self._discard(entry)
            return freed
        finally:
            os.close(activity)

    def _discard(self, path: Path) -> None:
        """Move out of sight first, so a crash mid-delete never leaves a partial layer under its name."""
        hidden = self.root / "tmp" / f"{os.getpid()}-removing-{secrets.token_hex(6)}"
        path.rename(hidden)
        if hidden.is_dir():
            shutil.rmtree(hidden)
        else:
            hidden.unlink()

    def _remove_abandoned_work(self) -> None:
        for entry in (self.root / "tmp").iterdir():
            pid = entry.name.split("-", 1)[0]
            if pid.isdigit() and not _process_alive(int(pid)):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    # Metadata

    def _current_records(self) -> dict[str, dict[str, Any]]:
        """images.json for reading only, parsed again only once it was replaced.

        The kubelet looks its image up for every container it starts; reading and parsing the
        file each time cost more than the rest of that lookup. A rewrite is a rename, so the
        file's inode, time and size tell when it changed, here or in another process.
        """
        try:
            stat = (self.root / "images.json").stat()
        except FileNotFoundError:
            return {}
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if self._read is None or self._read[0] != version:
            self._read = (version, self._records())
        return self._read[1]

    def _records(self) -> dict[str, dict[str, Any]]:
        try:
            document = json.loads((self.root / "images.json").read_bytes())
        except FileNotFoundError:
            return {}
        images: dict[str, dict[str, Any]] = document["images"]
        return images

    def _write_records(self, records: dict[str, dict[str, Any]]) -> None:
        _write_atomically(
            self.root / "images.json", json.dumps({"images": records}, indent=1).encode(), self.root / "tmp"
        )

    def _commit(self, record: dict[str, Any], documents: dict[str, bytes]) -> Image:
        """Store the image's documents, then name it; a name another image had moves to this one."""
        for digest, data in documents.items():
            blob = self.root / "blobs" / "sha256" / digest.removeprefix("sha256:")
            if not blob.exists():
                _write_atomically(blob, data, self.root / "tmp")
        record["size"] = sum(_disk_bytes(self.layer_path(diff_id)) for diff_id in dict.fromkeys(record["diff_ids"]))
        with self._metadata_lock():
            records = self._records()
            for other in records.values():
                other["references"] = [name for name in other["references"] if name not in record["references"]]
            previous = records.get(record["id"])
            if previous is not None:
                record["references"] = sorted(set(previous["references"]) | set(record["references"]))
                record["repo_digests"] = sorted(set(previous["repo_digests"]) | set(record["repo_digests"]))
                record["blobs"] = sorted(set(previous["blobs"]) | set(record["blobs"]))
                record["digest"] = record["digest"] or previous["digest"]
            records[record["id"]] = record
            self._write_records(records)
        return self._image(record)

    def _find_record(self, records: dict[str, dict[str, Any]], reference: str) -> dict[str, Any] | None:
        try:
            parsed: Reference | None = parse_reference(reference)
        except ValueError:
            parsed = None
        if parsed is not None:
            for record in records.values():
                if parsed.digest is not None:
                    if parsed.with_digest(parsed.digest) in record["repo_digests"]:
                        return record
                elif str(parsed) in record["references"]:
                    return record
        wanted = reference.removeprefix("sha256:")
        if not wanted or not all(character in "0123456789abcdef" for character in wanted):
            return None
        matches = [record for record in records.values() if record["id"].removeprefix("sha256:").startswith(wanted)]
        return matches[0] if len(matches) == 1 else None

    def _image(self, record: dict[str, Any]) -> Image:
        settings = record["config"]
        return Image(
            id=record["id"],
            digest=record["digest"],
            references=tuple(record["references"]),
            repo_digests=tuple(record["repo_digests"]),
            config=ImageConfig(
                entrypoint=tuple(settings["entrypoint"]),
                cmd=tuple(settings["cmd"]),
                env=tuple(settings["env"]),
                working_dir=settings["working_dir"],
                user=settings["user"],
            ),
            layers=tuple(self.layer_path(diff_id) for diff_id in record["diff_ids"]),
            size=record["size"],
            last_used=record["last_used"],
        )

    # Files and locks

    @contextlib.contextmanager
    def _metadata_lock(self) -> Iterator[None]:
        descriptor = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    def _hold_activity(self) -> int:
        descriptor = os.open(self.root / "activity.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        return descriptor

    def _work_dir(self) -> Path:
        work = self.root / "tmp" / f"{os.getpid()}-{secrets.token_hex(8)}"
        work.mkdir(mode=0o700)
        return work


def _checked_config(data: bytes, layer_count: int, source: str) -> tuple[ImageConfig, tuple[str, ...]]:
    try:
        config, diff_ids = parse_config(data)
    except PullError as error:
        raise PullError(f"{source}: {error.message}") from None
    if len(diff_ids) != layer_count:
        raise PullError(f"{source}: the manifest has {layer_count} layers but the config lists {len(diff_ids)} diffIDs")
    return config, diff_ids


def _check_layer(unpacked: UnpackedLayer, blob_digest: str | None, diff_id: str, source: str) -> None:
    if blob_digest is not None and unpacked.blob_digest != blob_digest:
        raise PullError(f"{source}: layer {blob_digest} failed verification: got {unpacked.blob_digest}")
    if unpacked.diff_id != diff_id:
        raise PullError(
            f"{source}: layer failed verification: its uncompressed content is {unpacked.diff_id}, "
            f"the image config says {diff_id}"
        )


def _record(
    *,
    image_id: str,
    digest: str | None,
    references: tuple[str, ...],
    repo_digests: tuple[str, ...],
    config: ImageConfig,
    diff_ids: tuple[str, ...],
    blobs: tuple[str, ...],
) -> dict[str, Any]:
    return {
        "id": image_id,
        "digest": digest,
        "references": list(references),
        "repo_digests": list(repo_digests),
        "config": {
            "entrypoint": list(config.entrypoint),
            "cmd": list(config.cmd),
            "env": list(config.env),
            "working_dir": config.working_dir,
            "user": config.user,
        },
        "diff_ids": list(diff_ids),
        "blobs": list(blobs),
        "size": 0,
        "last_used": time.time(),
    }


def _normalized_or_none(reference: str) -> str | None:
    try:
        return str(parse_reference(reference))
    except ValueError:
        return None


def _used(record: dict[str, Any], in_use: Collection[str]) -> bool:
    """Whether a container uses the image; ``in_use`` may hold ids, image refs or references as pods spell them."""
    names = {record["id"], *record["references"], *record["repo_digests"]}
    return any(entry in names or _normalized_or_none(entry) in names for entry in in_use)


def _write_atomically(path: Path, data: bytes, scratch: Path) -> None:
    temporary = scratch / f"{os.getpid()}-{secrets.token_hex(8)}"
    with temporary.open("wb") as sink:
        sink.write(data)
        sink.flush()
        os.fsync(sink.fileno())
    temporary.rename(path)


def _disk_bytes(path: Path) -> int:
    """Bytes of the regular files under ``path``, each hard-linked file counted once."""
    if not path.is_dir() or path.is_symlink():
        return path.lstat().st_size if path.exists() or path.is_symlink() else 0
    seen: set[tuple[int, int]] = set()
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            status = os.lstat(os.path.join(directory, name))
            if (status.st_dev, status.st_ino) not in seen:
                seen.add((status.st_dev, status.st_ino))
                total += status.st_size if not os.path.islink(os.path.join(directory, name)) else 0
    return total


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
