"""``jobyard job logs -f`` end to end: a real node runs the Job's container, and its lines reach the CLI as written.

The cluster here runs the node (sandbox runtime), unlike the other CLI tests' control plane;
the image comes from the tests' own registry (``busybox_image``). The CLI runs as a separate
process, so its stdout can be read line by line while the container is still running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import RunningCluster, free_port
from console.api.conftest import admin, console, unique  # noqa: F401 - fixtures used here, over this module's cluster
from e2e.support import Api, path
from jobyard.cli import app
from jobyard.cluster.config import ClusterConfig
from waiting import eventually

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="the sandbox runtime needs root and bubblewrap (CI installs bubblewrap and runs as root)",
)

# The container writes one line, waits, then writes another: the wait is the container's own, so
# the first line can be seen arriving while the container still runs.
SCRIPT = "echo first line; sleep 4; echo second line"


@pytest.fixture(scope="module")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    """Overrides the console fixtures' control-plane cluster: this one runs pods."""
    config = ClusterConfig(
        data_dir=tmp_path_factory.mktemp("logs-node") / "data",
        api_port=free_port(),
        bookmark_interval_seconds=0.5,
        job_pod_batch_seconds=0.2,
        node_status_update_seconds=2.0,
    )
    running = RunningCluster(config).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def config_home(console, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811 - the imported fixture
    home = tmp_path_factory.mktemp("config")
    password = console.running.admin_password
    environ = {"XDG_CONFIG_HOME": str(home), "JOBYARD_URL": None, "JOBYARD_TOKEN": None}
    login = ["login", console.url, "--username", "admin", "--password-stdin"]
    result = CliRunner().invoke(app, login, input=f"{password}\n", env=environ)
    assert result.exit_code == 0, result.output
    return home


def test_logs_follow_streams_lines_while_the_container_runs_and_ends_with_it(
    admin,  # noqa: F811 - the imported fixture
    kube_cluster,
    config_home,
    busybox_image,
):
    namespace = unique("logs")
    assert admin.post("/api/clusters/local/namespaces", json={"name": namespace}).status_code == 201
    form = {
        "name": "talker",
        "instances": 1,
        "containers": [
            {"name": "main", "image": busybox_image, "lifecycle": {"command": ["sh", "-c", SCRIPT]}},
        ],
        "advanced": {"parallelism": 1},
    }
    jobs = f"/api/clusters/local/namespaces/{namespace}/jobs"
    assert admin.post(jobs, json={"form": form}).status_code == 201
    api = Api(kube_cluster)
    try:
        pod = eventually(lambda: _running_pod(admin.get(f"{jobs}/talker").json()), timeout=60)

        environ = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "JOBYARD_LANG": "en"}
        command = [sys.executable, "-m", "jobyard", "job", "logs", "talker", "-c", "local", "-n", namespace, "-f"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            # The first line is out while the container is still in its wait: the stream is live.
            container = api.get(path(namespace, "pods", pod))["status"]["containerStatuses"][0]
            rest = process.stdout.read()
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert first == "first line\n"
        assert "running" in container["state"], container
        assert rest == "second line\n"
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    finally:
        api.close()


def _running_pod(detail: dict) -> str:
    (pod,) = detail["pods"]
    assert pod["phase"] == "Running", pod
    return str(pod["name"])
