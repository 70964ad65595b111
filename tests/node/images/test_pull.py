"""Pulls from real docker-registry processes: plain, htpasswd and token auth, indexes, verification."""

from __future__ import annotations

import asyncio
import os
import platform
from pathlib import Path

import pytest

from imagetools import (
    ADDED_BY_LAYER_2,
    PATH_ENV,
    Layout,
    Registry,
    busybox_layers,
    busybox_layout,
    directory,
    entry,
    free_port,
    layer_tar,
)
from jobyard.cluster.node.images import ImageConfig, ImageStore, PullError, RegistryCredential, host_platform

from .conftest import EMPTY, visible_content


def pull(store: ImageStore, reference: str, credentials: list[RegistryCredential] | None = None):
    return asyncio.run(store.pull(reference, credentials or []))


def credentials_of(registry: Registry, password: str | None = None) -> list[RegistryCredential]:
    return [RegistryCredential(registry.host, registry.username, registry.password if password is None else password)]


def test_a_pull_stores_the_config_and_the_layers_lowest_first(store, busybox_image):
    image = pull(store, busybox_image)

    assert image.references == (busybox_image,)
    assert image.id.startswith("sha256:") and image.digest.startswith("sha256:")
    assert image.repo_digests == (busybox_image.rsplit(":", 1)[0] + "@" + image.digest,)
    assert image.image_ref == image.repo_digests[0]
    assert image.config == ImageConfig(cmd=("sh",), env=(PATH_ENV,))
    assert len(image.layers) == 2
    assert (image.layers[0] / "bin" / "busybox").stat().st_size > 100_000
    assert os.readlink(image.layers[0] / "bin" / "sh") == "busybox"
    assert (image.layers[1] / ADDED_BY_LAYER_2).read_text() == "hello from layer 2\n"
    assert not (image.layers[1] / "bin").exists(), "a layer directory holds only that layer's files"
    assert image.size >= (image.layers[0] / "bin" / "busybox").stat().st_size
    assert store.find(busybox_image) == image
    assert store.find(image.repo_digests[0]) == image
    assert store.find(image.id) == image
    assert store.find(image.short_id) == image


def test_pulling_again_reuses_the_layers(store, busybox_image):
    first = pull(store, busybox_image)
    inode = (first.layers[0] / "bin" / "busybox").stat().st_ino

    second = pull(store, busybox_image)

    assert second == first
    assert (second.layers[0] / "bin" / "busybox").stat().st_ino == inode
    assert len(store.list()) == 1


def test_a_pull_by_digest_names_the_repository_digest_only(store, busybox_image):
    digest = pull(ImageStore(store.root.parent / "other"), busybox_image).digest
    by_digest = busybox_image.rsplit(":", 1)[0] + "@" + digest

    image = pull(store, by_digest)

    assert image.references == ()
    assert image.repo_digests == (by_digest,)
    assert store.find(by_digest) == image


def test_concurrent_pulls_of_one_reference_do_the_work_once(store, token_registry, tmp_path):
    reference = token_registry.push(busybox_layout(tmp_path / "layout"), "single/flight:1")
    token_requests = len(token_registry.token_server.requests)
    done: list[tuple[int, int]] = []

    async def five_pulls():
        return await asyncio.gather(
            *(
                store.pull(reference, credentials_of(token_registry), progress=lambda *p: done.append(p))
                for _ in range(5)
            )
        )

    images = asyncio.run(five_pulls())

    assert len(set(images)) == 1
    # Each pull authenticates once; five pulls sharing one flight ask the token service once.
    assert len(token_registry.token_server.requests) == token_requests + 1
    assert done and done[-1][0] == done[-1][1] > 0


def test_an_unknown_tag_is_not_found_with_the_registry_reason(store, busybox_image):
    missing = busybox_image.rsplit(":", 1)[0] + ":no-such-tag"

    with pytest.raises(PullError) as raised:
        pull(store, missing)

    assert raised.value.not_found and not raised.value.unauthorized
    assert str(raised.value) == f"{missing}: manifest unknown: manifest unknown"
    assert visible_content(store) == EMPTY


def test_an_unreachable_registry_says_so(store):
    with pytest.raises(PullError, match="connection refused|connect"):
        pull(store, f"127.0.0.1:{free_port()}/nobody/home:1")


def test_basic_auth_with_the_right_credentials_pulls(store, auth_registry, tmp_path):
    reference = auth_registry.push(busybox_layout(tmp_path / "layout"), "private/busybox:1")

    image = pull(store, reference, credentials_of(auth_registry))

    assert image.references == (reference,)


@pytest.mark.parametrize("password", [None, "wrong"], ids=["without credentials", "with a wrong password"])
def test_basic_auth_refuses_without_the_right_credentials(store, auth_registry, tmp_path, password):
    reference = auth_registry.push(busybox_layout(tmp_path / "layout"), "private/refused:1")
    credentials = [] if password is None else credentials_of(auth_registry, password)

    with pytest.raises(PullError) as raised:
        pull(store, reference, credentials)

    assert raised.value.unauthorized
    assert "unauthorized: authentication required" in str(raised.value)
    assert visible_content(store) == EMPTY


def test_token_auth_fetches_a_token_with_the_credentials(store, token_registry, tmp_path):
    reference = token_registry.push(busybox_layout(tmp_path / "layout"), "token/busybox:1")

    image = pull(store, reference, credentials_of(token_registry))

    assert image.references == (reference,)
    last = token_registry.token_server.requests[-1]
    assert last["authorization"] and last["query"]["scope"] == ["repository:token/busybox:pull"]


def test_token_auth_without_credentials_gets_a_token_that_grants_nothing(store, token_registry, tmp_path):
    reference = token_registry.push(busybox_layout(tmp_path / "layout"), "token/anonymous:1")

    with pytest.raises(PullError) as raised:
        pull(store, reference)

    assert raised.value.unauthorized
    assert "unauthorized" in str(raised.value)


def test_token_auth_with_a_wrong_password_reports_the_token_service(store, token_registry, tmp_path):
    reference = token_registry.push(busybox_layout(tmp_path / "layout"), "token/wrong:1")

    with pytest.raises(PullError) as raised:
        pull(store, reference, credentials_of(token_registry, "wrong"))

    assert raised.value.unauthorized
    assert "invalid username or password" in str(raised.value)


def test_an_index_resolves_to_this_hosts_platform(store, image_registry, tmp_path):
    _, host_architecture, _ = host_platform()
    if host_architecture not in ("amd64", "arm64"):
        pytest.skip(f"the test index has no manifest for this host ({platform.machine()})")
    layout = Layout(tmp_path / "layout")
    layers = busybox_layers()
    manifests = [
        (layout.image(layers, cmd=["echo", architecture], architecture=architecture), architecture, variant)
        for architecture, variant in (("s390x", None), ("arm64", "v8"), ("amd64", None), ("arm", "v7"))
    ]
    index = layout.index(manifests)
    layout.tag(index, "multi")
    reference = image_registry.push(layout.path, "multi/platform:1", tag="multi", all_platforms=True)

    image = pull(store, reference)

    assert image.config.cmd == ("echo", host_architecture)
    # The image is known by the digest its reference resolved to: the index's, as `docker pull` reports it.
    assert image.digest == index["digest"]
    assert image.repo_digests == (f"{image_registry.host}/multi/platform@{index['digest']}",)


def test_an_index_without_this_platform_is_refused(store, image_registry, tmp_path):
    layout = Layout(tmp_path / "layout")
    only = layout.image(busybox_layers(), architecture="s390x")
    layout.tag(layout.index([(only, "s390x", None)]), "other")
    reference = image_registry.push(layout.path, "multi/elsewhere:1", tag="other", all_platforms=True)

    with pytest.raises(PullError, match="no matching manifest for linux/") as raised:
        pull(store, reference)
    assert raised.value.not_found


@pytest.mark.parametrize("compression", ["gzip", "zstd", "none"])
def test_gzip_zstd_and_uncompressed_layers_unpack(store, image_registry, tmp_path, compression):
    layout = busybox_layout(tmp_path / "layout", compression=compression)
    reference = image_registry.push(layout, f"compression/{compression}:1")

    image = pull(store, reference)

    assert (image.layers[1] / ADDED_BY_LAYER_2).read_text() == "hello from layer 2\n"


def test_a_tampered_blob_is_refused_and_nothing_is_kept(store, image_registry, tmp_path):
    unique = layer_tar([directory("data"), entry("data/unique", data=os.urandom(4096))])
    layout = Layout(tmp_path / "layout")
    descriptor = layout.image([unique])
    layout.tag(descriptor, "latest")
    reference = image_registry.push(layout.path, "tampered/blob:1")
    layer_digest = _layer_digests(layout.path, descriptor["digest"])[0]
    blob = image_registry.blob_file(layer_digest)
    content = bytearray(blob.read_bytes())
    content[len(content) // 2] ^= 0xFF
    blob.write_bytes(bytes(content))

    with pytest.raises(PullError, match=f"blob {layer_digest} failed verification"):
        pull(store, reference)
    assert visible_content(store) == EMPTY


def test_an_unsafe_layer_from_a_registry_is_refused_and_nothing_is_kept(store, image_registry, tmp_path):
    layout = Layout(tmp_path / "layout")
    layout.tag(layout.image([busybox_layers()[0], layer_tar([entry("../escaped", data=b"x")])]), "latest")
    reference = image_registry.push(layout.path, "unsafe/dotdot:1")

    with pytest.raises(PullError, match=r"contains '\.\.'"):
        pull(store, reference)
    assert visible_content(store) == EMPTY
    assert not (store.root / "escaped").exists() and not (store.root / "layers" / "escaped").exists()


def _layer_digests(layout: Path, manifest_digest: str) -> list[str]:
    import json

    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest.removeprefix("sha256:")).read_text())
    return [layer["digest"] for layer in manifest["layers"]]
