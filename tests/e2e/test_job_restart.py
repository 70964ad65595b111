"""Restart safety: ``kill -9`` the server in the middle of an Indexed Job and the counts still come out exact."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import httpx

from .jobs_support import INDEX_LABEL, job_manifest, terminated
from .test_up import JobyardUp

NS = "restart"
COMPLETIONS = 200
PARALLELISM = 20
KILL_AFTER = 80  # successes marked before the kill
FINISH_SECONDS = 45
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
PODS = f"/api/v1/namespaces/{NS}/pods"


class Completer(threading.Thread):
    """Plays the kubelet: marks every active pod of the Job Succeeded, recording pods per index.

    It keeps going across the server's death: failed requests are retried on
    the next pass, against whichever server is up.
    """

    def __init__(self, server: JobyardUp) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.succeeded: dict[int, list[str]] = defaultdict(list)  # index -> pods marked Succeeded

    @property
    def marked(self) -> int:
        with self.lock:
            return sum(len(names) for names in self.succeeded.values())

    def run(self) -> None:
        client = self.server.client(timeout=5)
        while not self.stopping.is_set():
            try:
                self._pass(client)
            except httpx.TransportError:
                client.close()
                self.stopping.wait(0.1)  # the server is restarting: try again shortly
                client = self.server.client(timeout=5)
        client.close()

    def _pass(self, client: httpx.Client) -> None:
        listed = client.get(PODS, params={"labelSelector": "batch.kubernetes.io/job-name=wide"})
        listed.raise_for_status()
        for pod in listed.json()["items"]:
            meta = pod["metadata"]
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") or meta.get("deletionTimestamp"):
                continue
            status = {"status": {"phase": "Succeeded", "containerStatuses": [terminated(0)]}}
            headers = {"Content-Type": "application/merge-patch+json"}
            response = client.patch(f"{PODS}/{meta['name']}/status", json=status, headers=headers)
            if response.status_code == 200:
                with self.lock:
                    self.succeeded[int(meta["annotations"][INDEX_LABEL])].append(meta["name"])
        self.stopping.wait(0.05)


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def job_complete(server: JobyardUp) -> bool:
    with server.client() as client:
        try:
            job = client.get(f"{JOBS}/wide").json()
        except httpx.TransportError:
            return False
    return any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"].get("conditions") or [])


def test_indexed_job_counts_every_index_exactly_once_across_a_kill_9(tmp_path):
    data_dir = tmp_path / "data"
    server = JobyardUp(data_dir).start()
    completer = Completer(server)
    try:
        server.wait_ready()
        with server.client() as client:
            assert client.post("/api/v1/namespaces", json={"metadata": {"name": NS}}).status_code == 201
            manifest = job_manifest("wide", completionMode="Indexed", completions=COMPLETIONS, parallelism=PARALLELISM)
            assert client.post(JOBS, json=manifest).status_code == 201
        completer.start()
        wait_for(lambda: completer.marked >= KILL_AFTER, FINISH_SECONDS, f"{KILL_AFTER} pods marked Succeeded")
        server.kill()
        marked_at_kill = completer.marked
        server = completer.server = JobyardUp(data_dir, port=server.port).start()
        server.wait_ready()
        wait_for(lambda: job_complete(server), FINISH_SECONDS, "the Job to complete")
        completer.stopping.set()
        completer.join(10)
        with server.client() as client:
            status = client.get(f"{JOBS}/wide").json()["status"]
            pods = client.get(PODS).json()["items"]
    finally:
        completer.stopping.set()
        completer.join(10)
        server.stop()
    assert marked_at_kill < COMPLETIONS  # the kill did land mid-way
    assert (status["succeeded"], status.get("failed", 0), status["active"]) == (COMPLETIONS, 0, 0)
    assert status["completedIndexes"] == f"0-{COMPLETIONS - 1}"
    assert status["uncountedTerminatedPods"] == {}
    # Every pod that exists ran to success, one per index: the controller never made a duplicate.
    assert len(pods) == COMPLETIONS
    assert {p["status"]["phase"] for p in pods} == {"Succeeded"}
    assert sorted(completer.succeeded) == list(range(COMPLETIONS))
    twice = {index: names for index, names in completer.succeeded.items() if len(names) > 1}
    assert twice == {}, f"indexes that ran to success twice: {twice}"
