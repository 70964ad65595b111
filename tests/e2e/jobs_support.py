"""Playing the kubelet for Job tests: pod phases, exit codes and conditions written through pods/status.

There is no node yet, so a test moves each pod the Job controller creates
through its life itself, as upstream's integration tests do, and watches
the Job react.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from waiting import eventually

from .support import Api, path

T = TypeVar("T")
Obj = dict[str, Any]

MERGE = {"Content-Type": "application/merge-patch+json"}
TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
CONTAINER = "main"
# Long enough for a few 1 s pod-event batches on a busy 2-core machine.
WAIT_SECONDS = 15.0


def job_manifest(name: str, restart_policy: str = "Never", **spec: Any) -> Obj:
    """A Job that runs (not suspended) one busybox container named ``main``."""
    template = {"spec": {"restartPolicy": restart_policy, "containers": [{"name": CONTAINER, "image": "busybox"}]}}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": {"template": template, **spec}}


def conditions(job: Obj) -> dict[str, Obj]:
    """The Job's conditions by type."""
    return {c["type"]: c for c in (job.get("status") or {}).get("conditions") or []}


def is_true(job: Obj, condition_type: str) -> bool:
    condition = conditions(job).get(condition_type)
    return condition is not None and condition["status"] == "True"


def is_active(pod: Obj) -> bool:
    """Counted in the Job's ``active``: not finished and not being deleted."""
    finished = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
    return not finished and not pod["metadata"].get("deletionTimestamp")


def index_of(pod: Obj) -> int:
    return int(pod["metadata"]["annotations"][INDEX_LABEL])


def terminated(exit_code: int, restart_count: int = 0) -> Obj:
    """A container status as the kubelet reports a container that exited."""
    return {
        "name": CONTAINER,
        "image": "busybox",
        "imageID": "",
        "ready": False,
        "restartCount": restart_count,
        "state": {"terminated": {"exitCode": exit_code, "reason": "Completed" if exit_code == 0 else "Error"}},
    }


def running(restart_count: int = 0) -> Obj:
    return {
        "name": CONTAINER,
        "image": "busybox",
        "imageID": "",
        "ready": True,
        "restartCount": restart_count,
        "state": {"running": {}},
    }


class JobsApi(Api):
    """``Api`` plus the verbs of a Job test: jobs, their pods, and the kubelet's status writes."""

    def __init__(self, running_cluster: Any, namespace: str = "default") -> None:
        super().__init__(running_cluster)
        self.namespace = namespace

    # Jobs

    def create_job(self, name: str, **spec: Any) -> Obj:
        return self.post(path(self.namespace, "jobs"), job_manifest(name, **spec))

    def job(self, name: str) -> Obj:
        return self.get(path(self.namespace, "jobs", name))

    def patch_job(self, name: str, patch: Obj) -> Obj:
        return self.merge_patch(path(self.namespace, "jobs", name), patch)

    def delete_job(self, name: str, policy: str) -> Obj:
        response = self.request("DELETE", path(self.namespace, "jobs", name) + f"?propagationPolicy={policy}")
        assert response.status_code in (200, 202), response.text
        return response.json()

    def wait_job(self, name: str, check: Callable[[Obj], bool], timeout: float = WAIT_SECONDS) -> Obj:
        """The Job once ``check`` holds for it."""

        def satisfied() -> Obj:
            job = self.job(name)
            assert check(job), json.dumps(job.get("status"), indent=1)
            return job

        return eventually(satisfied, timeout=timeout)

    def wait_finished(self, name: str, condition_type: str, timeout: float = WAIT_SECONDS) -> Obj:
        return self.wait_job(name, lambda job: is_true(job, condition_type), timeout)

    def wait_gone(self, url: str, timeout: float = WAIT_SECONDS) -> None:
        def gone() -> None:
            assert not self.exists(url), f"{url} still exists"

        eventually(gone, timeout=timeout)

    # Pods

    def pods(self, job_name: str) -> list[Obj]:
        url = path(self.namespace, "pods") + f"?labelSelector=batch.kubernetes.io/job-name%3D{job_name}"
        return self.get(url)["items"]

    def active_pods(self, job_name: str) -> list[Obj]:
        return [pod for pod in self.pods(job_name) if is_active(pod)]

    def wait_active(self, job_name: str, count: int, timeout: float = WAIT_SECONDS) -> list[Obj]:
        """Exactly ``count`` active pods of the Job."""

        def enough() -> list[Obj]:
            pods = self.active_pods(job_name)
            assert len(pods) == count, [p["metadata"]["name"] for p in pods]
            return pods

        return eventually(enough, timeout=timeout)

    def pod_url(self, pod: Obj | str) -> str:
        name = pod if isinstance(pod, str) else pod["metadata"]["name"]
        return path(self.namespace, "pods", name)

    def write_pod_status(self, pod: Obj | str, status: Obj) -> Obj:
        """What the kubelet does: a merge patch of pods/status."""
        return self.merge_patch(self.pod_url(pod) + "/status", {"status": status})

    def succeed(self, pod: Obj | str) -> Obj:
        return self.write_pod_status(pod, {"phase": "Succeeded", "containerStatuses": [terminated(0)]})

    def fail(self, pod: Obj | str, exit_code: int = 1) -> Obj:
        return self.write_pod_status(pod, {"phase": "Failed", "containerStatuses": [terminated(exit_code)]})

    def evict(self, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}
        response = self.request("POST", self.pod_url(pod) + "/eviction", body, **{"Content-Type": "application/json"})
        assert response.status_code == 201, response.text

    def events(self, name: str) -> list[Obj]:
        """Events about the Job ``name``."""
        items = self.get(path(self.namespace, "events"))["items"]
        return [e for e in items if e["involvedObject"].get("name") == name and e["involvedObject"]["kind"] == "Job"]


class Watch:
    """A raw watch stream of one collection, read event by event with a deadline."""

    def __init__(self, running_cluster: Any, url: str, timeout: float = WAIT_SECONDS) -> None:
        self._client = Api(running_cluster)._http
        self._deadline = time.monotonic() + timeout
        separator = "&" if "?" in url else "?"
        self._response = self._client.send(self._client.build_request("GET", f"{url}{separator}watch=1"), stream=True)
        assert self._response.status_code == 200, self._response.read()
        self._lines = self._response.iter_lines()

    def events(self) -> Iterator[Obj]:
        """Each event as it arrives; fails once the deadline has passed."""
        for line in self._lines:
            assert time.monotonic() < self._deadline, "watch deadline passed"
            if line:
                yield json.loads(line)

    def close(self) -> None:
        self._response.close()
        self._client.close()

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def server_time(api: Api) -> str:
    """The server's clock as an RFC 3339 second, from the Date header of a cheap request."""
    response = api.request("GET", "/version")
    parsed = time.strptime(response.headers["date"], "%a, %d %b %Y %H:%M:%S GMT")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)


__all__ = [
    "CONTAINER",
    "INDEX_LABEL",
    "TRACKING_FINALIZER",
    "JobsApi",
    "Watch",
    "conditions",
    "eventually",
    "index_of",
    "is_active",
    "is_true",
    "job_manifest",
    "running",
    "server_time",
    "terminated",
]
