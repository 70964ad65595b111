"""A node killed with -9 under running pods: on restart it reports their containers lost, never forgets them."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from .test_up import JobyardUp

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="the sandbox runtime needs root and bubblewrap (CI installs bubblewrap and runs as root)",
)

NS = "default"
PODS = f"/api/v1/namespaces/{NS}/pods"


def pod(name: str, image: str, restart_policy: str) -> dict:
    container = {"name": "main", "image": image, "command": ["sh", "-c", "echo started; sleep 300"]}
    spec = {"restartPolicy": restart_policy, "terminationGracePeriodSeconds": 1, "containers": [container]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def wait_for(server: JobyardUp, name: str, check, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    with server.client() as client:
        while True:
            current = client.get(f"{PODS}/{name}").json()
            if check(current):
                return current
            assert time.monotonic() < deadline, current.get("status")
            time.sleep(0.2)


def running(pod: dict) -> bool:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    return bool(statuses) and "running" in statuses[0]["state"]


def test_containers_lost_in_a_crash_are_reported_and_restarted_by_policy(tmp_path, busybox_image):
    data_dir = tmp_path / "data"
    server = JobyardUp(data_dir, node=True).start()
    try:
        server.wait_ready()
        with server.client() as client:
            for name, policy in (("never", "Never"), ("again", "OnFailure")):
                assert client.post(PODS, json=pod(name, busybox_image, policy)).status_code == 201
        for name in ("never", "again"):
            wait_for(server, name, running)
        server.kill()
        server = JobyardUp(data_dir, port=server.port, node=True).start()
        server.wait_ready()
        lost = wait_for(server, "never", lambda p: p["status"].get("phase") == "Failed")
        terminated = lost["status"]["containerStatuses"][0]["state"]["terminated"]
        assert (terminated["reason"], terminated["exitCode"]) == ("ContainerStatusUnknown", 137)
        again = wait_for(
            server, "again", lambda p: running(p) and p["status"]["containerStatuses"][0]["restartCount"] == 1
        )
        last = again["status"]["containerStatuses"][0]["lastState"]["terminated"]
        assert last["reason"] == "ContainerStatusUnknown"
        with server.client() as client:
            assert client.get(f"{PODS}/again/log").text == "started\n"
            assert client.get(f"{PODS}/again/log", params={"previous": "true"}).text == "started\n"
    finally:
        server.stop()


def test_a_stopped_node_leaves_no_container_mounted(tmp_path, busybox_image):
    server = JobyardUp(tmp_path / "data", node=True).start()
    try:
        server.wait_ready()
        with server.client() as client:
            assert client.post(PODS, json=pod("sleeper", busybox_image, "Never")).status_code == 201
        uid = wait_for(server, "sleeper", running)["metadata"]["uid"]
    finally:
        server.stop()
    with open("/proc/self/mountinfo") as mounts:
        left = [line for line in mounts if f"{uid[:13]}-main" in line]
    assert left == [], "every later bwrap on the host would copy these mounts"
