"""Embedded clusters for the console's cluster tests: API server and namespace controller only, no node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import RunningCluster, free_port
from jobyard.cluster.config import ClusterConfig
from jobyard.console.db import SecretBox


def start_cluster(data_dir: Path) -> RunningCluster:
    config = ClusterConfig(data_dir=data_dir, api_port=free_port(), node=False, controllers=frozenset({"namespace"}))
    return RunningCluster(config).start()


@pytest.fixture
def cluster_a(tmp_path: Path) -> Iterator[RunningCluster]:
    running = start_cluster(tmp_path / "cluster-a")
    yield running
    running.stop()


@pytest.fixture
def cluster_b(tmp_path: Path) -> Iterator[RunningCluster]:
    running = start_cluster(tmp_path / "cluster-b")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """One cluster for a module's client tests; each test works in its own namespace."""
    running = start_cluster(tmp_path_factory.mktemp("api") / "data")
    yield running
    running.stop()


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox.open(tmp_path)
