"""``jobyard up`` starts the console beside the cluster, in the same process, on --console-port."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx

from conftest import free_port
from e2e.test_up import JOBYARD, STARTUP_SECONDS


def test_up_serves_the_console_with_the_embedded_cluster_joined_as_local(tmp_path):
    data_dir, api_port, console_port = tmp_path / "data", free_port(), free_port()
    command = [
        JOBYARD,
        "up",
        "--data-dir",
        str(data_dir),
        "--api-port",
        str(api_port),
        "--console-port",
        str(console_port),
        "--no-node",
    ]
    environment = {key: value for key, value in os.environ.items() if key != "JOBYARD_ADMIN_PASSWORD"}
    environment["JOBYARD_LANG"] = "en"
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        url = f"http://127.0.0.1:{console_port}"
        with httpx.Client(base_url=url, timeout=5) as client:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not (data_dir / "admin-password").exists() or not _answers(client):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "the console did not answer"
                time.sleep(0.05)
            password = (data_dir / "admin-password").read_text().strip()
            signed_in = client.post("/api/session", json={"name": "admin", "password": password})
            assert signed_in.status_code == 201, signed_in.text
            [local] = client.get("/api/clusters").json()
            assert (local["name"], local["status"]) == ("local", "Running")
            assert client.get("/api/docs").status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        # The console stops first and closes its watches on the cluster, which then need not be waited out.
        assert "ERROR" not in err, err
        assert password in out, "the generated password is printed once"
        assert f"{url}/api/docs" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/api/openapi.json").status_code == 200
    except httpx.TransportError:
        return False
