"""Fixtures for unit tests that need the API's verbs without HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobyard.cluster.client import LocalClient
from jobyard.cluster.registry import Registry
from jobyard.cluster.server import _bootstrap
from jobyard.cluster.store import Store

START = 1_800_000_000.0


@pytest.fixture
def in_process(tmp_path) -> Iterator[tuple[LocalClient, list[float]]]:
    """An in-process registry on a fake clock: ``(client, now)``; set ``now[0]`` to move time."""
    store = Store(tmp_path / "cluster.db")
    now = [START]
    registry = Registry(store, clock=lambda: now[0])
    _bootstrap(registry)
    yield LocalClient(registry, "test"), now
    store.close()
