"""Layer unpacking: unsafe tars are refused whole, whiteouts take overlayfs's form and work under a real mount."""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from imagetools import (
    ADDED_BY_LAYER_2,
    REMOVED_BY_LAYER_2,
    Layout,
    busybox_layers,
    busybox_layout,
    directory,
    entry,
    layer_tar,
)
from jobyard.cluster.node.images import ImageStore, PullError

from .conftest import EMPTY, visible_content

SAFE_FIRST_LAYER = layer_tar([directory("etc"), entry("etc/hostname", data=b"base\n")])


def load_layers(store: ImageStore, tmp_path: Path, *layers: bytes):
    layout = Layout(tmp_path / "layout")
    layout.tag(layout.image(list(layers)), "latest")
    return store.load_archive(layout.path)


def _truncated_inside_a_file() -> bytes:
    whole = layer_tar([entry("big", data=os.urandom(5000))])
    return whole[:2048]


def _without_end_marker() -> bytes:
    whole = layer_tar([entry("a", data=b"a" * 512)])
    assert whole[1024:].strip(b"\0") == b"", "one header block and one data block, then the end marker"
    return whole[:1024]


def _garbage_header() -> bytes:
    first = layer_tar([entry("a", data=b"a")]).rstrip(b"\0")
    first += b"\0" * (-len(first) % 512)
    return first + b"this is not a tar header".ljust(512, b"!") + layer_tar([entry("b", data=b"b")])


UNSAFE_LAYERS = {
    "dot-dot": ([entry("../escaped", data=b"x")], r"contains '\.\.'"),
    "dot-dot inside": ([directory("a"), entry("a/../../escaped", data=b"x")], r"contains '\.\.'"),
    "absolute": ([entry("/etc/escaped", data=b"x")], "is an absolute path"),
    "through a symlink": (
        [entry("link", tarfile.SYMTYPE, link="/tmp"), entry("link/escaped", data=b"x")],
        "written through the symlink 'link'",
    ),
    "through a relative symlink": (
        [directory("d"), entry("d/up", tarfile.SYMTYPE, link=".."), entry("d/up/escaped", data=b"x")],
        "written through the symlink 'up'",
    ),
    "hard link outside": (
        [entry("h", tarfile.LNKTYPE, link="../../etc/passwd")],
        r"hard link target .* contains '\.\.'",
    ),
    "hard link absolute": ([entry("h", tarfile.LNKTYPE, link="/etc/passwd")], "is an absolute path"),
    "hard link to nothing": ([entry("h", tarfile.LNKTYPE, link="not/there")], "not an earlier entry"),
    "hard link through a symlink": (
        [entry("s", tarfile.SYMTYPE, link="/etc"), entry("h", tarfile.LNKTYPE, link="s/passwd")],
        "not an earlier entry",
    ),
    "character device": ([entry("dev/null", tarfile.CHRTYPE)], "is a device node"),
    "block device": ([entry("dev/sda", tarfile.BLKTYPE)], "is a device node"),
}


@pytest.mark.parametrize("case", list(UNSAFE_LAYERS))
def test_an_unsafe_layer_is_refused_and_nothing_is_kept(store, tmp_path, case):
    entries, complaint = UNSAFE_LAYERS[case]

    with pytest.raises(PullError, match=complaint):
        load_layers(store, tmp_path, SAFE_FIRST_LAYER, layer_tar(entries))

    assert visible_content(store) == EMPTY
    assert not (tmp_path / "escaped").exists() and not (store.root / "escaped").exists()


@pytest.mark.parametrize(
    "layer, complaint",
    [
        pytest.param(_truncated_inside_a_file(), "unexpected end of data|truncated", id="truncated inside a file"),
        pytest.param(_without_end_marker(), "no end-of-archive marker", id="truncated between entries"),
        pytest.param(_garbage_header(), "malformed entry header", id="garbage header"),
        pytest.param(b"\x1f\x8b\x08\x00garbage", "not a valid tar", id="broken gzip"),
        pytest.param(b"\x28\xb5\x2f\xfdgarbage", "not a valid tar", id="broken zstd"),
    ],
)
def test_a_broken_layer_is_refused_and_nothing_is_kept(store, tmp_path, layer, complaint):
    # The config's diffID is the broken tar's own digest, so only the unpacking can notice.
    layout = Layout(tmp_path / "layout")
    layout.tag(layout.image([SAFE_FIRST_LAYER, layer], compression="none"), "latest")

    with pytest.raises(PullError, match=complaint):
        store.load_archive(layout.path)

    assert visible_content(store) == EMPTY


def test_a_layer_whose_content_differs_from_its_diff_id_is_refused(store, tmp_path):
    layout = Layout(tmp_path / "layout")
    layout.tag(layout.image([SAFE_FIRST_LAYER], diff_ids=["sha256:" + "0" * 64]), "latest")

    with pytest.raises(PullError, match="the image config says sha256:0000"):
        store.load_archive(layout.path)
    assert visible_content(store) == EMPTY


def test_safe_links_and_replaced_entries_unpack(store, tmp_path):
    layer = layer_tar(
        [
            directory("usr/lib"),
            entry("usr/lib/libc.so", data=b"lib", mode=0o755),
            entry("usr/lib/libc.so.6", tarfile.LNKTYPE, link="./usr/lib/libc.so"),
            entry("lib", tarfile.SYMTYPE, link="usr/lib"),
            entry("escape", tarfile.SYMTYPE, link="../../../../etc/passwd"),
            entry("twice", data=b"first"),
            entry("twice", data=b"second"),
            entry("fifo", tarfile.FIFOTYPE),
        ]
    )

    [image] = load_layers(store, tmp_path, layer)

    root = image.layers[0]
    assert os.stat(root / "usr/lib/libc.so.6").st_ino == os.stat(root / "usr/lib/libc.so").st_ino
    assert os.readlink(root / "lib") == "usr/lib"
    # A symlink may point anywhere: the container resolves it inside its own root.
    assert os.readlink(root / "escape") == "../../../../etc/passwd"
    assert (root / "twice").read_bytes() == b"second"
    assert stat.S_ISFIFO(os.lstat(root / "fifo").st_mode)
    assert stat.S_IMODE(os.stat(root / "usr/lib/libc.so").st_mode) == 0o755


requires_root = pytest.mark.skipif(os.geteuid() != 0, reason="overlay whiteouts and mounts need root")


@contextmanager
def overlay(lowerdirs: tuple[Path, ...], mountpoint: Path) -> Iterator[Path]:
    """Mount the layers as overlayfs does for a container (read-only, highest layer first)."""
    mountpoint.mkdir()
    lower = ":".join(str(path) for path in reversed(lowerdirs))
    result = subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={lower}", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(f"SKIP: overlay mount failed: {result.stderr.strip()}")
        pytest.skip(f"overlay mount failed: {result.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=True)


@requires_root
def test_whiteouts_hide_lower_files_under_a_real_overlay_mount(store, tmp_path):
    [image] = store.load_archive(busybox_layout(tmp_path / "layout"))
    whiteout = os.lstat(image.layers[1] / REMOVED_BY_LAYER_2)
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == os.makedev(0, 0)

    with overlay(image.layers, tmp_path / "merged") as merged:
        assert not (merged / REMOVED_BY_LAYER_2).exists()
        assert (merged / ADDED_BY_LAYER_2).read_text() == "hello from layer 2\n"
        assert (merged / "bin" / "busybox").is_file()
        assert sorted(path.name for path in (merged / "etc").iterdir()) == ["added-by-layer-2", "group", "passwd"]


@requires_root
def test_opaque_and_replaced_directories_hide_lower_content_under_a_real_overlay_mount(store, tmp_path):
    lower = layer_tar(
        [
            directory("opaque"),
            entry("opaque/old", data=b"old"),
            directory("replaced"),
            entry("replaced/old", data=b"old"),
            directory("kept"),
            entry("kept/old", data=b"old"),
        ]
    )
    upper = layer_tar(
        [
            directory("opaque"),
            entry("opaque/.wh..wh..opq"),
            entry("opaque/new", data=b"new"),
            entry(".wh.replaced"),
            directory("replaced"),
            entry("replaced/new", data=b"new"),
            entry("kept/new", data=b"new"),
        ]
    )

    [image] = load_layers(store, tmp_path, lower, upper)

    assert os.getxattr(image.layers[1] / "opaque", "trusted.overlay.opaque") == b"y"
    assert not (image.layers[1] / "opaque" / ".wh..wh..opq").exists()
    with overlay(image.layers, tmp_path / "merged") as merged:
        assert sorted(os.listdir(merged / "opaque")) == ["new"]
        assert sorted(os.listdir(merged / "replaced")) == ["new"]
        assert sorted(os.listdir(merged / "kept")) == ["new", "old"]


def test_without_root_whiteouts_stay_as_oci_marker_files(tmp_path):
    store = ImageStore(tmp_path / "images", overlay_whiteouts=False)
    upper = layer_tar([directory("opaque"), entry("opaque/.wh..wh..opq"), entry("etc/.wh.gone")])

    [image] = load_layers(store, tmp_path, busybox_layers()[0], upper)

    assert (image.layers[1] / "etc" / ".wh.gone").is_file()
    assert not (image.layers[1] / "etc" / "gone").exists()
    assert (image.layers[1] / "opaque" / ".wh..wh..opq").is_file()
