"""Whatever the API acknowledged survives ``kill -9``: objects, resourceVersions and watch history."""

from __future__ import annotations

import json

from .test_up import JobyardUp

NAMESPACE = "crash"
MERGE = {"Content-Type": "application/merge-patch+json"}


def configmaps(name: str = "") -> str:
    return f"/api/v1/namespaces/{NAMESPACE}/configmaps" + (f"/{name}" if name else "")


def configmap(name: str, value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"value": value}}


def write_history(client) -> None:
    """Creates, updates and deletes, each acknowledged before the next."""
    assert client.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}}).status_code == 201
    for number in range(20):
        assert client.post(configmaps(), json=configmap(f"cm-{number}", "v0")).status_code == 201
    for number in range(0, 20, 2):
        response = client.patch(configmaps(f"cm-{number}"), json={"data": {"value": "v1"}}, headers=MERGE)
        assert response.status_code == 200
    for number in range(0, 20, 5):
        assert client.delete(configmaps(f"cm-{number}")).status_code == 200
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "survivor"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}},
    }
    assert client.post(f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs", json=job).status_code == 201


def snapshot(client) -> dict[str, dict]:
    """Every namespaced object and namespace, keyed by URL, as the API serves it."""
    objects = {}
    for url in ("/api/v1/namespaces", "/api/v1/configmaps", "/api/v1/serviceaccounts", "/apis/batch/v1/jobs"):
        for item in client.get(url).json()["items"]:
            meta = item["metadata"]
            objects[f"{url}/{meta.get('namespace', '')}/{meta['name']}"] = item
    return objects


def test_kill_9_loses_nothing_acknowledged_and_watches_resume(tmp_path):
    first = JobyardUp(tmp_path / "data").start()
    try:
        first.wait_ready()
        with first.client() as client:
            write_history(client)
            before = snapshot(client)
            last_seen = client.get(configmaps()).json()["metadata"]["resourceVersion"]
            after_last_seen = client.patch(configmaps("cm-1"), json={"data": {"value": "late"}}, headers=MERGE).json()
        first.kill()
    finally:
        first.stop()

    second = JobyardUp(tmp_path / "data").start()
    try:
        second.wait_ready()
        with second.client() as client:
            after = snapshot(client)
            params = {"watch": "true", "resourceVersion": last_seen, "timeoutSeconds": 1}
            with client.stream("GET", configmaps(), params=params) as response:
                replayed = [json.loads(line) for line in response.iter_lines() if line.strip()]
    finally:
        second.stop()

    before[f"/api/v1/configmaps/{NAMESPACE}/cm-1"] = after_last_seen
    assert after == before
    assert [(event["type"], event["object"]) for event in replayed] == [("MODIFIED", after_last_seen)]
