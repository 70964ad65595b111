"""Builders, URLs and assertions shared by the raw-HTTP API tests."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from conftest import RunningCluster

Obj = dict[str, Any]


def client_for(running: RunningCluster, *, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
    """An httpx client that trusts the cluster's CA and sends its admin token (none for "")."""
    token = running.token if token is None else token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=running.url, verify=trusting(running), headers=headers, timeout=timeout)


def trusting(running: RunningCluster) -> ssl.SSLContext:
    """A TLS context that trusts only the cluster's generated CA."""
    return ssl.create_default_context(cafile=str(running.ca_file))


# Builders


def namespace_manifest(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def configmap(name: str = "cm", *, labels: dict[str, str] | None = None, data: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data or {"key": "value"}}


def container(name: str = "main", image: str = "busybox:1.36") -> Obj:
    return {"name": name, "image": image, "command": ["true"]}


def pod(name: str = "pod", *, labels: dict[str, str] | None = None, node_name: str | None = None) -> Obj:
    spec: Obj = {"containers": [container()]}
    if node_name is not None:
        spec["nodeName"] = node_name
    meta: Obj = {"name": name}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def job(name: str = "job", **spec: Any) -> Obj:
    template = {"spec": {"restartPolicy": "Never", "containers": [container()]}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": template, **spec},
    }


# URLs


def configmaps_url(namespace: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{namespace}/configmaps" + (f"/{name}" if name else "")


def pods_url(namespace: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{namespace}/pods" + (f"/{name}" if name else "")


def jobs_url(namespace: str, name: str = "") -> str:
    return f"/apis/batch/v1/namespaces/{namespace}/jobs" + (f"/{name}" if name else "")


# Helpers


def create(api: httpx.Client, url: str, body: Obj, **params: Any) -> Obj:
    response = api.post(url, json=body, params=params)
    assert response.status_code == 201, response.text
    return response.json()


def assert_status(response: httpx.Response, code: int, reason: str | None = None) -> Obj:
    """The response is a failure ``Status`` with ``code`` (and ``reason``)."""
    assert response.status_code == code, response.text
    status = response.json()
    assert status["kind"] == "Status"
    assert status["apiVersion"] == "v1"
    assert status["status"] == "Failure"
    assert status["code"] == code
    if reason is not None:
        assert status["reason"] == reason, status
    return status


@contextmanager
def store_unchanged(running: RunningCluster) -> Iterator[None]:
    """Asserts the block wrote nothing: the global resourceVersion stays put."""
    before = running.cluster.store.resource_version
    yield
    assert running.cluster.store.resource_version == before


def watch_events(response: httpx.Response) -> Iterator[Obj]:
    """Events of a raw watch stream, one JSON object a line."""
    for line in response.iter_lines():
        if line.strip():
            yield json.loads(line)


def take(events: Iterator[Obj], count: int) -> list[Obj]:
    return [next(events) for _ in range(count)]


def wait_for_default_service_account(api: httpx.Client, namespace: str, timeout_seconds: int = 10) -> Obj:
    """The `default` ServiceAccount of ``namespace``, awaited through a watch."""
    params = {"watch": "true", "fieldSelector": "metadata.name=default", "timeoutSeconds": timeout_seconds}
    with api.stream("GET", f"/api/v1/namespaces/{namespace}/serviceaccounts", params=params) as response:
        for event in watch_events(response):
            if event["type"] == "ADDED":
                return event["object"]
    raise AssertionError(f"no default ServiceAccount in {namespace} within {timeout_seconds}s")
