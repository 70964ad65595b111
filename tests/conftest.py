"""Fixtures that start real servers: each test gets its own ports and data dir."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobyard.cluster.config import CONTROLLERS, ClusterConfig
from jobyard.cluster.server import Cluster, serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningCluster:
    """An embedded cluster served from a background thread's event loop."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self._ready = threading.Event()
        self._cluster: Cluster | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        def ready(cluster: Cluster) -> None:
            self._cluster = cluster
            self._ready.set()

        try:
            asyncio.run(serve(self.config, on_ready=ready))
        except BaseException as error:  # surfaced to the test by start()
            self._error = error
        finally:
            self._ready.set()

    def start(self) -> RunningCluster:
        self._thread.start()
        self._ready.wait(30)
        if self._cluster is None:
            raise RuntimeError(f"cluster did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._cluster is not None:
            self._cluster.stop()
        self._thread.join(15)

    @property
    def cluster(self) -> Cluster:
        assert self._cluster is not None
        return self._cluster

    @property
    def url(self) -> str:
        return self.cluster.url

    @property
    def token(self) -> str:
        return self.cluster.token

    @property
    def kubeconfig(self) -> Path:
        return self.config.kubeconfig_path

    @property
    def ca_file(self) -> Path:
        return self.config.data_dir / "pki" / "ca.crt"


def node_config(data_dir: Path, **changes: object) -> ClusterConfig:
    """A cluster whose node really runs pods, with upstream's back-offs and heartbeats shortened for tests."""
    settings: dict[str, object] = {
        "data_dir": data_dir,
        "api_port": free_port(),
        "bookmark_interval_seconds": 0.5,
        "job_backoff_base_seconds": 0.2,
        "job_backoff_cap_seconds": 1.0,
        "job_pod_batch_seconds": 0.2,
        "kubelet_backoff_base_seconds": 0.5,
        "kubelet_backoff_cap_seconds": 2.0,
        "node_status_update_seconds": 2.0,
    }
    return ClusterConfig(**{**settings, **changes})


@pytest.fixture
def cluster_config(tmp_path) -> ClusterConfig:
    # No node: these clusters serve the control plane, and tests drive pod phases themselves.
    return ClusterConfig(data_dir=tmp_path / "data", api_port=free_port(), bookmark_interval_seconds=0.5, node=False)


@pytest.fixture
def cluster(cluster_config) -> Iterator[RunningCluster]:
    running = RunningCluster(cluster_config).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory) -> Iterator[RunningCluster]:
    """One cluster for a module's API and client tests; each test uses its own namespace.

    It runs every controller but the Job controller: these tests check what the
    API server does with Jobs, and exact checks ("the store did not change", a
    replace with the resourceVersion just read) need no one else writing them.
    """
    config = ClusterConfig(
        data_dir=tmp_path_factory.mktemp("shared") / "data",
        api_port=free_port(),
        bookmark_interval_seconds=0.5,
        controllers=CONTROLLERS - {"job"},
        node=False,
    )
    running = RunningCluster(config).start()
    yield running
    running.stop()


def kubectl_binary(version: str) -> str | None:
    """``kubectl.1.33`` beside the ``kubectl`` on PATH, where this machine has it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    candidate = Path(kubectl).resolve().parent / f"kubectl.{version}"
    return str(candidate) if candidate.exists() else None


# Image registries: real docker-registry processes to pull test images from (see tests/imagetools.py).


def _require_image_tools() -> None:
    from imagetools import MISSING_BINARIES

    if MISSING_BINARIES:
        reason = (
            f"image tests need {', '.join(MISSING_BINARIES)} (apt-get install skopeo docker-registry busybox-static)"
        )
        print(f"SKIP: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def image_registry(tmp_path_factory):
    """A docker-registry without auth on 127.0.0.1; ``.host``, ``.push(layout, "repo:tag")``."""
    from imagetools import Registry

    _require_image_tools()
    registry = Registry(tmp_path_factory.mktemp("registry"))
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory):
    """A docker-registry with htpasswd (basic) auth; ``.username`` and ``.password`` are accepted."""
    from imagetools import htpasswd_registry

    _require_image_tools()
    registry = htpasswd_registry(tmp_path_factory.mktemp("auth-registry"))
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory):
    """A docker-registry with bearer-token auth; its token service grants ``.username``/``.password`` access."""
    from imagetools import TokenRegistry

    _require_image_tools()
    registry = TokenRegistry(tmp_path_factory.mktemp("token-registry"))
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def busybox_image(image_registry, tmp_path_factory) -> str:
    """The default busybox test image (two layers, Cmd ["sh"]) pushed to ``image_registry``; its reference."""
    from imagetools import busybox_layout

    layout = busybox_layout(tmp_path_factory.mktemp("busybox-layout") / "layout")
    return image_registry.push(layout, "jobyard/busybox:1")
