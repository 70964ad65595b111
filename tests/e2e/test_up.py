"""``jobyard up`` as a user runs it: a subprocess on a random port with its own data dir."""

from __future__ import annotations

import os
import signal
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import kubernetes
import pytest
import yaml

from conftest import free_port

JOBYARD = str(Path(sys.executable).parent / "jobyard")
STARTUP_SECONDS = 30


class JobyardUp:
    """One ``jobyard up --no-console`` process on ``data_dir``; its node only when asked for (``extra``)."""

    def __init__(
        self, data_dir: Path, port: int | None = None, *, node: bool = False, extra: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.node = node
        self.extra = extra
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def kubeconfig(self) -> Path:
        return self.data_dir / "kubeconfig"

    def command(self) -> list[str]:
        return [
            JOBYARD,
            "up",
            "--data-dir",
            str(self.data_dir),
            "--api-port",
            str(self.port),
            "--no-console",
            "--node" if self.node else "--no-node",
            *self.extra,
        ]

    def start(self) -> JobyardUp:
        self.process = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return self

    def wait_ready(self) -> None:
        """Poll /readyz (an external process: there is no event to await)."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(verify=False, timeout=2) as probe:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.process.communicate()
                try:
                    if probe.get(f"{self.url}/readyz").text == "ok":
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise AssertionError(f"jobyard up was not ready within {STARTUP_SECONDS}s")

    def client(self, timeout: float = 10) -> httpx.Client:
        token = self.kubeconfig_token()
        context = ssl.create_default_context(cafile=str(self.data_dir / "pki" / "ca.crt"))
        return httpx.Client(
            base_url=self.url, verify=context, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def kubeconfig_token(self) -> str:
        document = yaml.safe_load(self.kubeconfig.read_text())
        return document["users"][0]["user"]["token"]

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def jobyard_up(tmp_path) -> Iterator[JobyardUp]:
    up = JobyardUp(tmp_path / "data").start()
    yield up
    up.stop()


@pytest.fixture(scope="module")
def running_up(tmp_path_factory) -> Iterator[JobyardUp]:
    up = JobyardUp(tmp_path_factory.mktemp("up") / "data").start()
    up.wait_ready()
    yield up
    up.stop()


def test_kubeconfig_is_written_with_mode_0600_before_readyz_is_ok(jobyard_up):
    jobyard_up.wait_ready()
    assert stat.S_IMODE(jobyard_up.kubeconfig.stat().st_mode) == 0o600


def test_kubeconfig_names_the_https_server_and_embeds_the_ca(running_up):
    cluster = yaml.safe_load(running_up.kubeconfig.read_text())["clusters"][0]["cluster"]
    assert cluster["server"] == running_up.url
    assert cluster["certificate-authority-data"]


def test_up_prints_a_kubeconfig_export_line_that_survives_a_pipe(tmp_path):
    up = JobyardUp(tmp_path / "data").start()
    try:
        up.wait_ready()
        up.stop()
        assert up.process is not None
        output = up.process.stdout.read() if up.process.stdout else ""
    finally:
        up.stop()
    assert str(up.kubeconfig) in output
    assert f"export KUBECONFIG={up.kubeconfig}" in output


def test_a_second_up_on_the_same_data_dir_exits_1_naming_the_pid(running_up):
    assert running_up.process is not None
    second = JobyardUp(running_up.data_dir)
    result = subprocess.run(second.command(), capture_output=True, text=True, timeout=STARTUP_SECONDS)
    assert result.returncode == 1
    assert f"pid {running_up.process.pid}" in " ".join((result.stdout + result.stderr).split())


def test_official_client_lists_the_system_namespaces_through_the_kubeconfig(running_up):
    api_client = kubernetes.config.new_client_from_config(config_file=str(running_up.kubeconfig))
    with api_client:
        listed = kubernetes.client.CoreV1Api(api_client).list_namespace()
    names = {namespace.metadata.name for namespace in listed.items}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


def test_sigterm_with_an_open_watch_stops_within_five_seconds(jobyard_up):
    jobyard_up.wait_ready()
    assert jobyard_up.process is not None
    watch_open = threading.Event()

    def hold_a_watch() -> None:
        with jobyard_up.client(timeout=30) as client:
            with client.stream("GET", "/api/v1/namespaces", params={"watch": "true"}) as response:
                watch_open.set()
                for _ in response.iter_lines():
                    pass

    watcher = threading.Thread(target=hold_a_watch, daemon=True)
    watcher.start()
    assert watch_open.wait(10)
    started = time.monotonic()
    os.kill(jobyard_up.process.pid, signal.SIGTERM)
    returncode = jobyard_up.process.wait(10)
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"stopping took {elapsed:.1f}s"
    assert returncode == 0, "a stop asked for by SIGTERM is a clean exit"
    watcher.join(5)
    assert not watcher.is_alive()
