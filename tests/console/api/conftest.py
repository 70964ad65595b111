"""A real console over a real embedded cluster: both served on 127.0.0.1, the tests speak HTTP to them.

One control-plane cluster (no node) and one console per module; each test works in namespaces
and under user names of its own. The console runs ``serve_console`` itself, the code
``jobyard up`` runs, in a thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import RunningCluster, free_port
from jobyard.cluster.config import ClusterConfig
from jobyard.console.server import ConsoleSettings, RunningConsole, serve_console

PASSWORD = "correct-horse-battery"
_names = itertools.count()


class ConsoleThread:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._ready = threading.Event()
        self._running: RunningConsole | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        def ready(running: RunningConsole) -> None:
            self._running = running
            self._ready.set()

        try:
            asyncio.run(serve_console(self.settings, on_ready=ready))
        except BaseException as error:  # surfaced to the test by start()
            self._error = error
        finally:
            self._ready.set()

    def start(self) -> ConsoleThread:
        self._thread.start()
        self._ready.wait(30)
        if self._running is None:
            raise RuntimeError(f"console did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()
        self._thread.join(15)

    @property
    def running(self) -> RunningConsole:
        assert self._running is not None
        return self._running

    @property
    def url(self) -> str:
        return self.running.url


@contextmanager
def control_plane(data_dir: Path) -> Iterator[RunningCluster]:
    """A cluster without a node: tests move pods through their phases themselves."""
    config = ClusterConfig(
        data_dir=data_dir, api_port=free_port(), bookmark_interval_seconds=0.5, job_pod_batch_seconds=0.1, node=False
    )
    running = RunningCluster(config).start()
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def console_on(cluster: RunningCluster, data_dir: Path) -> Iterator[ConsoleThread]:
    """A console with ``cluster`` joined as ``local``."""
    settings = ConsoleSettings(
        data_dir=data_dir, port=free_port(), local_kubeconfig=cluster.kubeconfig, handle_signals=False
    )
    running = ConsoleThread(settings).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    with control_plane(tmp_path_factory.mktemp("api-cluster") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def console(kube_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleThread]:
    with console_on(kube_cluster, tmp_path_factory.mktemp("console") / "data") as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


@contextmanager
def sign_in(url: str, name: str, password: str, **headers: str) -> Iterator[httpx.Client]:
    """A browser-like client: the session cookie it got, and the CSRF header it was told."""
    with httpx.Client(base_url=url, timeout=15, headers=headers) as client:
        response = client.post("/api/session", json={"name": name, "password": password})
        assert response.status_code == 201, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
        yield client


def token_client(url: str, token: str, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=15, headers={"Authorization": f"Bearer {token}", **headers})


@pytest.fixture(scope="module")
def admin(console: ConsoleThread) -> Iterator[httpx.Client]:
    """The first admin, signed in with the password the first start generated, holding an API token."""
    password = console.running.admin_password
    assert password is not None
    with sign_in(console.url, "admin", password) as browser:
        token = browser.post("/api/tokens", json={"name": "tests"}).json()["token"]
    with token_client(console.url, token) as client:
        yield client


def add_user(admin: httpx.Client, role: str | None = None, namespace: str | None = None) -> str:
    """A new user with ``PASSWORD``, granted ``role`` on ``namespace`` of the local cluster."""
    name = unique("user")
    assert admin.post("/api/users", json={"name": name, "password": PASSWORD}).status_code == 201
    if role is not None:
        grant = {"user": name, "role": role, "cluster": "local", "namespace": namespace}
        response = admin.post("/api/grants", json=grant)
        assert response.status_code == 204, response.text
    return name


@pytest.fixture
def namespace(admin: httpx.Client) -> str:
    name = unique("ns")
    response = admin.post("/api/clusters/local/namespaces", json={"name": name})
    assert response.status_code == 201, response.text
    return name


def job_form(name: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": name,
        "instances": 1,
        "containers": [
            {
                "name": "main",
                "image": "busybox:1.36",
                "resources": {"cpuRequest": "100m", "cpuLimit": "100m", "memoryRequest": "64Mi", "memoryLimit": "64Mi"},
            }
        ],
        "advanced": {"parallelism": 1},
    }
    form.update(changes)
    return {"form": form}


def jobs_url(namespace: str) -> str:
    return f"/api/clusters/local/namespaces/{namespace}/jobs"


@pytest.fixture
def data_dir(console: ConsoleThread) -> Path:
    return console.settings.data_dir
