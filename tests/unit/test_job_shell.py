"""The shell against a real registry: reconcile creates pods, counts them through finalizers, completes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobyard.cluster.client import LocalClient
from jobyard.cluster.controllers.job import JobController
from jobyard.cluster.registry import Registry
from jobyard.cluster.server import _bootstrap
from jobyard.cluster.store import Store

START = 1_800_000_000.0
FINALIZER = "batch.kubernetes.io/job-tracking"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[LocalClient]:
    store = Store(tmp_path / "job.db")
    registry = Registry(store, clock=lambda: START)
    _bootstrap(registry)
    yield LocalClient(registry, "test")
    store.close()


def _job(client: LocalClient, completions: int, mode: str = "NonIndexed") -> dict:
    body = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {
            "completions": completions,
            "parallelism": 2,
            "completionMode": mode,
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}},
        },
    }
    return client.create("jobs.batch", "default", body)


def _succeed(client: LocalClient, pod: dict) -> None:
    pod["status"] = {"phase": "Succeeded"}
    client.update("pods", pod, subresource="status")


def test_indexed_job_runs_to_completion_through_reconcile(client: LocalClient) -> None:
    _job(client, completions=3, mode="Indexed")
    controller = JobController(client, clock=lambda: START)

    async def observe_and_reconcile() -> None:
        # Expectations are lowered by watch events; the test plays the informer's part.
        for pod in client.list("pods", "default"):
            controller.on_pod_event("ADDED", pod)
        await controller.reconcile("default/pi")
        controller.queue.close()

    def sync() -> None:
        asyncio.run(observe_and_reconcile())

    sync()
    pods = client.list("pods", "default")
    assert sorted(p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] for p in pods) == ["0", "1"]
    assert all(FINALIZER in p["metadata"]["finalizers"] for p in pods)
    for _ in range(3):
        for pod in client.list("pods", "default"):
            if pod["status"].get("phase") != "Succeeded":
                _succeed(client, pod)
        sync()
    job = client.get("jobs.batch", "default", "pi")
    assert job["status"]["succeeded"] == 3
    assert job["status"]["completedIndexes"] == "0-2"
    assert [c["type"] for c in job["status"]["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    assert all(FINALIZER not in (p["metadata"].get("finalizers") or []) for p in client.list("pods", "default"))
    reasons = {e["reason"] for e in client.list("events", "default")}
    assert {"SuccessfulCreate", "Completed"} <= reasons
