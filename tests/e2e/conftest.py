"""Helpers for tests that drive a running cluster with real clients: kubectl and the Python clients."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import RunningCluster, kubectl_binary

T = TypeVar("T")
Obj = dict[str, Any]

KUBECTL_VERSIONS = ("1.33", "1.28")
_namespace_numbers = itertools.count()


def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T:
    """``check()``'s first result that raises no AssertionError, polling until ``timeout``.

    Only for work the cluster does on its own time (the garbage collector, the
    namespace controller); everything a test causes directly is read at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(interval)


class Api:
    """A thin JSON client of one cluster, for setting up and checking what the clients under test did."""

    def __init__(self, running: RunningCluster) -> None:
        self._http = httpx.Client(
            base_url=running.url,
            verify=str(running.ca_file),
            headers={"Authorization": f"Bearer {running.token}"},
            timeout=10,
        )

    def request(self, method: str, path: str, body: Obj | list[Any] | None = None, **headers: str) -> httpx.Response:
        content = None if body is None else json.dumps(body)
        return self._http.request(method, path, content=content, headers=headers)

    def get(self, path: str) -> Obj:
        response = self.request("GET", path)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Obj) -> Obj:
        response = self.request("POST", path, body, **{"Content-Type": "application/json"})
        assert response.status_code == 201, response.text
        return response.json()

    def exists(self, path: str) -> bool:
        response = self.request("GET", path)
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    def close(self) -> None:
        self._http.close()


@pytest.fixture(scope="module")
def api(shared_cluster: RunningCluster) -> Iterator[Api]:
    client = Api(shared_cluster)
    yield client
    client.close()


def _namespace_name(request: pytest.FixtureRequest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    return f"t{next(_namespace_numbers)}-{slug}"[:63].rstrip("-")


@pytest.fixture
def namespace(api: Api, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of the shared cluster for this test alone, deleted (with its contents) afterwards."""
    name = _namespace_name(request)
    api.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    api.request("DELETE", f"/api/v1/namespaces/{name}")


class Kubectl:
    """One kubectl binary bound to a cluster's kubeconfig, a namespace and a private discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, namespace: str, cache_dir: Path) -> None:
        self.binary = binary
        self._global = [f"--kubeconfig={kubeconfig}", f"--cache-dir={cache_dir}", f"--namespace={namespace}"]

    def command(self, *args: str) -> list[str]:
        return [self.binary, *self._global, *args]

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self.command(*args), input=stdin, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def out(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout

    def json(self, *args: str) -> Obj:
        return json.loads(self.out(*args, "-o", "json"))

    def start(self, *args: str) -> subprocess.Popen[str]:
        """A long-running kubectl (watch, wait) whose output the test reads as it comes."""
        return subprocess.Popen(
            self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )


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
def kubectl(kubectl_path: str, shared_cluster: RunningCluster, namespace: str, kubectl_cache: Path) -> Kubectl:
    return Kubectl(kubectl_path, shared_cluster.kubeconfig, namespace, kubectl_cache)
