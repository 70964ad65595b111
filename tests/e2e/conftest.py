"""Fixtures for driving the shared cluster with real clients: a namespace per test, kubectl per version."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import RunningCluster, kubectl_binary

from .support import Api, Kubectl, namespace_manifest

KUBECTL_VERSIONS = ("1.33", "1.28")
_namespace_numbers = itertools.count()


@pytest.fixture(scope="module")
def api(shared_cluster: RunningCluster) -> Iterator[Api]:
    client = Api(shared_cluster)
    yield client
    client.close()


def _namespace_name(request: pytest.FixtureRequest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    return f"t{next(_namespace_numbers)}-{slug}"[:55].rstrip("-")


@contextmanager
def _fresh_namespace(api: Api, name: str) -> Iterator[str]:
    api.post("/api/v1/namespaces", namespace_manifest(name))
    yield name
    api.request("DELETE", f"/api/v1/namespaces/{name}")


@pytest.fixture
def namespace(api: Api, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of the shared cluster for this test alone, deleted (with its contents) afterwards."""
    with _fresh_namespace(api, _namespace_name(request)) as name:
        yield name


@pytest.fixture
def second_namespace(api: Api, namespace: str) -> Iterator[str]:
    """Another namespace, for tests that look across namespaces."""
    with _fresh_namespace(api, f"{namespace}-second") as name:
        yield name


@pytest.fixture(params=KUBECTL_VERSIONS, ids=lambda version: f"kubectl{version}")
def kubectl_path(request: pytest.FixtureRequest) -> str:
    binary = kubectl_binary(request.param)
    if binary is None:
        pytest.skip(f"kubectl.{request.param} not found beside kubectl on PATH")
    return binary


@pytest.fixture(scope="module")
def kubectl_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kube-cache")


@pytest.fixture
def kubectl(
    kubectl_path: str, shared_cluster: RunningCluster, namespace: str, kubectl_cache: Path
) -> Iterator[Kubectl]:
    """The kubectl under test, acting in this test's namespace."""
    runner = Kubectl(kubectl_path, shared_cluster.kubeconfig, namespace, kubectl_cache)
    yield runner
    runner.stop_all()
