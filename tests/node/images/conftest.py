"""A fresh image store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobyard.cluster.node.images import ImageStore


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "images")


def visible_content(store: ImageStore) -> dict[str, list[str]]:
    """What a failed pull or load must not leave behind: images, layers, blobs and work files."""
    return {
        "images": [image.id for image in store.list()],
        "layers": sorted(path.name for path in (store.root / "layers").iterdir()),
        "blobs": sorted(path.name for path in (store.root / "blobs" / "sha256").iterdir()),
        "tmp": sorted(path.name for path in (store.root / "tmp").iterdir()),
    }


EMPTY = {"images": [], "layers": [], "blobs": [], "tmp": []}
