"""The web console on a real embedded cluster, for the route tests (httpx) and the browser tests (Playwright).

One cluster (no node: tests move pods through their phases with ``JobsApi``) and one console for
the whole session, started with the same helpers as the API tests; each test works in namespaces
and under user names of its own. Modules that need pods to really run (the seed walk) take the
``node_*`` fixtures instead: a cluster with its node and a console of their own, for the module.
The browser is Debian's ``chromium``, never a downloaded one: without it, or without what the
node needs (root, bubblewrap), those tests are skipped, with the reason printed.

Screenshots go to ``test-output/screenshots`` (git-ignored), which pytest-playwright does not
empty at the start of a session as it does ``test-results/``; the user guide picks from there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import RunningCluster, node_config
from console.api.conftest import (
    PASSWORD,
    ConsoleThread,
    add_user,
    console_on,
    control_plane,
    sign_in,
    token_client,
    unique,
)
from e2e.jobs_support import JobsApi

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def web_console(cluster: RunningCluster, data_dir: Path) -> Iterator[ConsoleThread]:
    """The console on ``cluster``, its live pages re-reading faster than production's 0.2 s."""
    with console_on(cluster, data_dir) as running:
        running.running.services.live_coalesce_seconds = 0.05
        yield running


@contextmanager
def admin_client(console: ConsoleThread) -> Iterator[httpx.Client]:
    """The first admin over the API, with a token: how tests set the scene."""
    password = console.running.admin_password
    assert password is not None
    with sign_in(console.url, "admin", password) as browser:
        token = browser.post("/api/tokens", json={"name": "web-tests"}).json()["token"]
    with token_client(console.url, token) as client:
        yield client


def new_namespace(admin: httpx.Client) -> str:
    name = unique("web")
    response = admin.post("/api/clusters/local/namespaces", json={"name": name})
    assert response.status_code == 201, response.text
    return name


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    with control_plane(tmp_path_factory.mktemp("web-cluster") / "data") as running:
        yield running


@pytest.fixture(scope="session")
def console(kube_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleThread]:
    with web_console(kube_cluster, tmp_path_factory.mktemp("web-console") / "data") as running:
        yield running


@pytest.fixture(scope="session")
def admin_password(console: ConsoleThread) -> str:
    password = console.running.admin_password
    assert password is not None
    return password


@pytest.fixture(scope="session")
def admin(console: ConsoleThread) -> Iterator[httpx.Client]:
    with admin_client(console) as client:
        yield client


@pytest.fixture
def namespace(admin: httpx.Client) -> str:
    return new_namespace(admin)


@pytest.fixture
def pods(kube_cluster: RunningCluster, namespace: str) -> Iterator[JobsApi]:
    """The kubelet's part: the test moves the Job's pods through their phases."""
    api = JobsApi(kube_cluster, namespace)
    yield api
    api.close()


def user_with(admin: httpx.Client, role: str, namespace: str) -> str:
    return add_user(admin, role, namespace)


def create_job(admin: httpx.Client, namespace: str, name: str, **form: Any) -> None:
    body: dict[str, Any] = {
        "name": name,
        "instances": 1,
        "containers": [{"name": "main", "image": "busybox:1.36"}],
        "advanced": {"parallelism": 1},
        **form,
    }
    response = admin.post(f"/api/clusters/local/namespaces/{namespace}/jobs", json={"form": body})
    assert response.status_code == 201, response.text


@contextmanager
def web_client(url: str, name: str, password: str, **headers: str) -> Iterator[httpx.Client]:
    """Signed in through the web's own sign-in form, as a browser is."""
    with httpx.Client(base_url=url, timeout=15, headers=headers) as client:
        response = client.post("/sign-in", data={"name": name, "password": password, "next": "/clusters"})
        assert response.status_code == 303, response.text
        yield client


# Playwright, on Debian's chromium


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless chromium per module, stopped with it.

    Not pytest-playwright's session-wide ``browser``: the sync API keeps an event loop running in
    the main thread while Playwright runs, and later tests that call ``asyncio.run`` would fail.
    """
    if CHROMIUM is None:
        reason = "browser tests need Debian's chromium (apt-get install chromium)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def browser_page(chromium: Browser, console: ConsoleThread, locale: str = "en-US") -> Iterator[Page]:
    """A fresh browser context (no cookies) at 1280×800, whose browser asks for ``locale`` first."""
    context = chromium.new_context(base_url=console.url, viewport={"width": 1280, "height": 800}, locale=locale)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(chromium: Browser, console: ConsoleThread) -> Iterator[Page]:
    """A fresh page speaking English until the user switches."""
    with browser_page(chromium, console) as opened:
        yield opened


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """Where page screenshots go, for the docs: ``test-output/screenshots``, kept between sessions."""
    folder = pytestconfig.rootpath / "test-output" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# A cluster whose node runs the pods (root, bubblewrap), with a console of its own, per module


@contextmanager
def cluster_with_node(data_dir: Path) -> Iterator[RunningCluster]:
    """Pods really run, from real images; upstream's back-offs and heartbeats are shortened."""
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        reason = "the node's sandbox needs root and bubblewrap (apt-get install bubblewrap; CI runs as root)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    running = RunningCluster(node_config(data_dir, job_pod_batch_seconds=0.1)).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def node_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    with cluster_with_node(tmp_path_factory.mktemp("web-node-cluster") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def node_console(node_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleThread]:
    with web_console(node_cluster, tmp_path_factory.mktemp("web-node-console") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def node_admin(node_console: ConsoleThread) -> Iterator[httpx.Client]:
    with admin_client(node_console) as client:
        yield client


@pytest.fixture
def node_namespace(node_admin: httpx.Client) -> str:
    return new_namespace(node_admin)


__all__ = ["PASSWORD", "browser_page", "create_job", "user_with", "web_client"]
