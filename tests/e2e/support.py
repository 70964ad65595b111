"""Helpers for the real-client tests: a setup client, kubectl runners, polling, object builders."""

from __future__ import annotations

import json
import queue
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx
import yaml

from conftest import RunningCluster

Obj = dict[str, Any]


class Api:
    """A thin JSON client of one cluster, to set up and check what the client under test did."""

    def __init__(self, running: RunningCluster) -> None:
        self._http = httpx.Client(
            base_url=running.url,
            verify=ssl.create_default_context(cafile=str(running.ca_file)),
            headers={"Authorization": f"Bearer {running.token}"},
            timeout=10,
        )

    def request(self, method: str, path: str, body: Obj | list[Any] | None = None, **headers: str) -> httpx.Response:
        content = None if body is None else json.dumps(body)
        return self._http.request(method, path, content=content, headers=headers)

    def get(self, path: str) -> Obj:
        response = self.request("GET", path)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Obj) -> Obj:
        response = self.request("POST", path, body, **{"Content-Type": "application/json"})
        assert response.status_code == 201, response.text
        return response.json()

    def merge_patch(self, path: str, patch: Obj) -> Obj:
        response = self.request("PATCH", path, patch, **{"Content-Type": "application/merge-patch+json"})
        assert response.status_code == 200, response.text
        return response.json()

    def delete(self, path: str) -> None:
        response = self.request("DELETE", path)
        assert response.status_code in (200, 202), response.text

    def exists(self, path: str) -> bool:
        response = self.request("GET", path)
        assert response.status_code in (200, 404), response.text
        return response.status_code == 200

    def close(self) -> None:
        self._http.close()


def path(namespace: str, plural: str, name: str = "") -> str:
    """The URL of a namespaced configmap, pod, service or job (or of their collection)."""
    group = "/apis/batch/v1" if plural == "jobs" else "/api/v1"
    return f"{group}/namespaces/{namespace}/{plural}" + (f"/{name}" if name else "")


class Background:
    """A long-running kubectl (``get -w``, ``wait``): its output lines arrive on a queue as it prints them."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def read_line(self, timeout: float = 10.0) -> str:
        """The next line printed, failing with kubectl's stderr if none comes in time."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise AssertionError(f"no output within {timeout}s; stderr: {self._stderr()}") from None
        if line is None:
            raise AssertionError(f"kubectl exited {self.process.wait()}; stderr: {self._stderr()}")
        return line

    def wait(self, timeout: float = 20.0) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"kubectl still running after {timeout}s; stderr: {self._stderr()}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _stderr(self) -> str:
        assert self.process.stderr is not None
        return self.process.stderr.read()


class Kubectl:
    """One kubectl binary bound to a cluster's kubeconfig, a namespace and a private discovery cache."""

    def __init__(self, binary: str, kubeconfig: Path, namespace: str, cache_dir: Path) -> None:
        self.binary = binary
        cache = cache_dir / Path(binary).name  # one discovery cache per kubectl version
        self._global = [f"--kubeconfig={kubeconfig}", f"--cache-dir={cache}", f"--namespace={namespace}"]
        self._started: list[Background] = []

    def command(self, *args: str) -> list[str]:
        return [self.binary, *self._global, *args]

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(self.command(*args), input=stdin, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def out(self, *args: str, stdin: str | None = None) -> str:
        return self.run(*args, stdin=stdin).stdout

    def apply(self, obj: Obj, *flags: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("apply", *flags, "-f", "-", stdin=manifest(obj), check=check)

    def create(self, obj: Obj, *flags: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("create", *flags, "-f", "-", stdin=manifest(obj), check=check)

    def start(self, *args: str) -> Background:
        started = Background(self.command(*args))
        self._started.append(started)
        return started

    def stop_all(self) -> None:
        for started in self._started:
            started.stop()


# Builders


def manifest(obj: Obj) -> str:
    return yaml.safe_dump(obj)


def namespace_manifest(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def configmap(name: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None, **meta: Any) -> Obj:
    metadata: Obj = {"name": name, **meta}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data or {}}


def job(name: str, labels: dict[str, str] | None = None, **spec: Any) -> Obj:
    """A suspended busybox Job: nothing runs, so its fields and table row stay put."""
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}
    metadata: Obj = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {"suspend": True, "template": template, **spec},
    }


def pod(name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]},
    }


def service(name: str, ports: list[Obj]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": ports},
    }


def owned_by(owner: Obj) -> Obj:
    """An ownerReference to ``owner`` that blocks its foreground deletion."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "blockOwnerDeletion": True,
    }


def job_with_dependent(api: Api, namespace: str) -> None:
    """Job ``nightly`` and ConfigMap ``nightly-data``, which the job owns (blocking its foreground deletion)."""
    owner = api.post(path(namespace, "jobs"), job("nightly"))
    api.post(path(namespace, "configmaps"), configmap("nightly-data", ownerReferences=[owned_by(owner)]))
