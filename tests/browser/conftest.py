"""The web console on a real embedded cluster, for the route tests (httpx) and the browser tests (Playwright).

One cluster (no node: tests move pods through their phases with ``JobsApi``) and one console for
the whole session, started with the same helpers as the API tests; each test works in namespaces
and under user names of its own. The browser is Debian's ``chromium``, never a downloaded one:
without it the browser tests are skipped, with the reason printed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import RunningCluster
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


@pytest.fixture(scope="session")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    with control_plane(tmp_path_factory.mktemp("web-cluster") / "data") as running:
        yield running


@pytest.fixture(scope="session")
def console(kube_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleThread]:
    with console_on(kube_cluster, tmp_path_factory.mktemp("web-console") / "data") as running:
        # Live pages re-read at most every 0.2 s in production; a test need not wait that long.
        running.running.services.live_coalesce_seconds = 0.05
        yield running


@pytest.fixture(scope="session")
def admin_password(console: ConsoleThread) -> str:
    password = console.running.admin_password
    assert password is not None
    return password


@pytest.fixture(scope="session")
def admin(console: ConsoleThread, admin_password: str) -> Iterator[httpx.Client]:
    """The first admin over the API, with a token: how tests set the scene."""
    with sign_in(console.url, "admin", admin_password) as browser:
        token = browser.post("/api/tokens", json={"name": "web-tests"}).json()["token"]
    with token_client(console.url, token) as client:
        yield client


@pytest.fixture
def namespace(admin: httpx.Client) -> str:
    name = unique("web")
    response = admin.post("/api/clusters/local/namespaces", json={"name": name})
    assert response.status_code == 201, response.text
    return name


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


@pytest.fixture
def page(chromium: Browser, console: ConsoleThread) -> Iterator[Page]:
    """A fresh browser context (no cookies) at 1280×800, speaking English until the user switches."""
    context = chromium.new_context(base_url=console.url, viewport={"width": 1280, "height": 800}, locale="en-US")
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config) -> Path:
    """Where page screenshots go (pytest-playwright's --output, ``test-results/`` by default), for the docs."""
    folder = Path(str(pytestconfig.getoption("--output"))) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


__all__ = ["PASSWORD", "create_job", "user_with", "web_client"]
