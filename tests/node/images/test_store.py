"""Loading archives, listing, removing and garbage collection."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

from imagetools import (
    ADDED_BY_LAYER_2,
    PATH_ENV,
    Layout,
    busybox_layers,
    busybox_layout,
    directory,
    docker_archive,
    entry,
    layer_tar,
    oci_archive,
)
from jobyard.cluster.node.images import ImageConfig, ImageInUse, ImageNotFound, ImageStore, PullError, low_disk

from .conftest import EMPTY, visible_content


def test_a_docker_archive_loads_with_its_tags(store, tmp_path):
    layout = busybox_layout(
        tmp_path / "layout", entrypoint=["/bin/sh", "-c"], cmd=["echo hi"], working_dir="/tmp", user="65534"
    )
    archive = docker_archive(layout, "latest", tmp_path / "busybox.tar", "example.com/team/busybox:2")

    [image] = store.load_archive(archive)

    assert image.references == ("example.com/team/busybox:2",)
    assert image.repo_digests == () and image.image_ref == image.id
    assert image.config == ImageConfig(
        entrypoint=("/bin/sh", "-c"), cmd=("echo hi",), env=(PATH_ENV,), working_dir="/tmp", user="65534"
    )
    assert (image.layers[1] / ADDED_BY_LAYER_2).is_file()
    assert store.find("example.com/team/busybox:2") == image


def test_an_oci_archive_loads_and_names_images_by_their_full_ref_name(store, tmp_path):
    layout = Layout(tmp_path / "layout")
    manifest = layout.image(busybox_layers())
    layout.tag(manifest, "docker.io/library/busybox:1.36").tag(manifest, "bare-tag")
    archive = oci_archive(layout.path, tmp_path / "busybox-oci.tar")

    images = store.load_archive(archive)

    # A bare tag such as skopeo writes names no repository: the one image keeps only the full name.
    assert images[0] == images[1]
    assert images[1].references == ("docker.io/library/busybox:1.36",)
    assert store.find("busybox:1.36") is not None
    assert len(store.list()) == 1


def test_an_archive_without_images_is_refused(store, tmp_path):
    archive = tmp_path / "empty.tar"
    with tarfile.open(archive, "w"):
        pass

    with pytest.raises(PullError, match="neither manifest.json"):
        store.load_archive(archive)
    assert visible_content(store) == EMPTY


def test_a_name_moves_to_the_image_loaded_last(store, tmp_path):
    first = store.load_archive(busybox_layout(tmp_path / "one", tag="app:1", cmd=["one"]))[0]
    second = store.load_archive(busybox_layout(tmp_path / "two", tag="app:1", cmd=["two"]))[0]

    assert store.find("app:1") == second
    assert [image.references for image in store.list() if image.id == first.id] == [()]
    # Both share busybox's layers: unpacked once.
    assert first.layers == second.layers


def test_remove_untags_first_and_refuses_an_image_in_use(store, tmp_path):
    layout = Layout(tmp_path / "layout")
    manifest = layout.image(busybox_layers())
    layout.tag(manifest, "app:1").tag(manifest, "app:2")
    [image, _] = store.load_archive(layout.path)

    with pytest.raises(ImageInUse):
        store.remove("app:1", in_use={"app:2"})
    store.remove("app:1", in_use=set())
    assert store.find("app:1") is None and store.find("app:2") is not None
    assert all(layer.is_dir() for layer in image.layers)

    with pytest.raises(ImageInUse):
        store.remove(image.short_id, in_use={image.id})
    store.remove(image.short_id, in_use=set())
    assert visible_content(store) == EMPTY
    with pytest.raises(ImageNotFound):
        store.remove("app:2", in_use=set())


def test_a_use_is_written_at_most_once_a_minute_per_image(store, tmp_path):
    layout = Layout(tmp_path / "layout")
    layout.tag(layout.image(busybox_layers()), "app:1")
    (image,) = store.load_archive(layout.path)
    loaded_at = store.find("app:1").last_used

    store.mark_used(image)
    used_at = store.find("app:1").last_used
    store.mark_used(image)

    assert used_at >= loaded_at
    assert store.find("app:1").last_used == used_at, "the second use within a minute is not written"


def test_garbage_collection_removes_unused_images_longest_unused_first(store, tmp_path):
    extra = [layer_tar([directory("data"), entry("data/blob", data=os.urandom(200_000))]) for _ in range(3)]
    images = []
    for number, layer in enumerate(extra):
        layout = Layout(tmp_path / f"layout{number}")
        layout.tag(layout.image([busybox_layers()[0], layer]), f"app:{number}")
        images.append(store.load_archive(layout.path)[0])
    store.mark_used(images[0])
    in_use = {"app:2"}

    freed = store.collect_garbage(in_use, need_free_bytes=1)

    assert 200_000 <= freed < 300_000, "only app:1, used longest ago, had to go"
    assert [image.references for image in store.list()] == [("docker.io/library/app:0",), ("docker.io/library/app:2",)]
    assert not images[1].layers[1].exists() and images[1].layers[0].exists()

    freed = store.collect_garbage(in_use, need_free_bytes=10**12)

    assert [image.references for image in store.list()] == [("docker.io/library/app:2",)]
    assert all(layer.is_dir() for layer in images[2].layers)
    assert freed >= 200_000


def test_low_disk_follows_the_thresholds(tmp_path):
    assert low_disk(tmp_path, min_free_fraction=1.0)
    assert not low_disk(tmp_path, min_free_fraction=0.0, min_free_bytes=1)
    store = ImageStore(tmp_path / "images", min_free_fraction=0.0, min_free_bytes=1 << 62)
    assert store.low_disk() and store.bytes_to_free() > 0


def test_work_left_by_a_dead_process_is_removed_and_never_shown(tmp_path):
    store = ImageStore(tmp_path / "images")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = store.root / "tmp" / f"{dead.stdout.strip()}-abandoned"
    (abandoned / "layer").mkdir(parents=True)

    reopened = ImageStore(tmp_path / "images")

    assert not abandoned.exists()
    assert reopened.list() == []


def test_two_stores_on_one_root_see_each_others_images(tmp_path):
    server_side = ImageStore(tmp_path / "images")
    cli_side = ImageStore(tmp_path / "images")

    [loaded] = cli_side.load_archive(busybox_layout(tmp_path / "layout", tag="shared:1"))

    assert server_side.find("shared:1") == loaded
