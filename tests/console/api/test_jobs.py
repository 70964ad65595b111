"""Jobs through the API on a real embedded cluster (no node: the test moves pods through their phases)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from e2e.jobs_support import JobsApi
from e2e.support import Api
from jobyard.console.forms import MESSAGES
from waiting import eventually

from .conftest import PASSWORD, add_user, job_form, jobs_url, sign_in


@pytest.fixture
def pods(kube_cluster, namespace) -> Iterator[JobsApi]:
    api = JobsApi(kube_cluster, namespace)
    yield api
    api.close()


def status_of(client: httpx.Client, namespace: str, name: str) -> str:
    response = client.get(f"{jobs_url(namespace)}/{name}")
    assert response.status_code == 200, response.text
    return response.json()["summary"]["status"]["code"]


def denied_entries(admin: httpx.Client, user: str) -> list[dict[str, Any]]:
    return [entry for entry in admin.get("/api/audit", params={"user": user}).json() if entry["result"] == "denied"]


def test_a_job_from_the_form_is_created_and_listed_with_its_status(admin, namespace):
    created = admin.post(jobs_url(namespace), json=job_form("job-01"))
    assert created.status_code == 201, created.text
    assert [manifest["kind"] for manifest in created.json()["manifests"]] == ["Job"]

    (row,) = admin.get(jobs_url(namespace)).json()["items"]
    assert (row["name"], row["cluster"], row["status"]["code"], row["completions"]["text"]) == (
        "job-01",
        "local",
        "Waiting",
        "0/1",
    )
    everywhere = admin.get("/api/jobs").json()
    assert any(item["name"] == "job-01" and item["namespace"] == namespace for item in everywhere["items"])
    audit = admin.get("/api/audit", params={"namespace": namespace}).json()
    assert any(entry["action"] == "job.create" and entry["result"] == "ok" for entry in audit)


def test_a_viewer_may_list_but_not_create_and_the_refusal_is_audited(console, admin, namespace):
    viewer = add_user(admin, "ns-viewer", namespace)
    with sign_in(console.url, viewer, PASSWORD) as browser:
        assert browser.get(jobs_url(namespace)).status_code == 200
        refused = browser.post(jobs_url(namespace), json=job_form("job-01"))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert [(entry["action"], entry["namespace"]) for entry in denied_entries(admin, viewer)] == [
        ("job.create", namespace)
    ]
    assert admin.get(jobs_url(namespace)).json()["items"] == []


def test_an_editor_may_not_ask_for_a_privileged_container(console, admin, namespace):
    editor = add_user(admin, "ns-editor", namespace)
    body = job_form("job-01")
    body["form"]["containers"][0]["privileged"] = True  # type: ignore[index]
    with sign_in(console.url, editor, PASSWORD) as browser:
        refused = browser.post(jobs_url(namespace), json=body)
        plain = browser.post(jobs_url(namespace), json=job_form("job-02"))
    assert refused.status_code == 403
    assert plain.status_code == 201
    assert [entry["action"] for entry in denied_entries(admin, editor)] == ["job.create_privileged"]


def test_field_errors_are_422_on_the_forms_paths_in_english_and_chinese(admin, namespace):
    bad = job_form("Job_01")
    english = admin.post(jobs_url(namespace), json=bad)
    chinese = admin.post(jobs_url(namespace), json=bad, headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    en_fields = {(field["path"], field["code"]): field["message"] for field in english.json()["fields"]}
    zh_fields = {(field["path"], field["code"]): field["message"] for field in chinese.json()["fields"]}
    assert en_fields.keys() == zh_fields.keys()
    assert en_fields[("name", "nameCharacters")] == MESSAGES["nameCharacters"]
    assert zh_fields[("name", "nameCharacters")] != MESSAGES["nameCharacters"]
    assert any("\u4e00" <= character <= "\u9fff" for character in zh_fields[("name", "nameCharacters")])


def test_a_dry_run_refusal_by_the_cluster_lands_on_the_form_field_and_creates_nothing(admin, namespace, kube_cluster):
    api = Api(kube_cluster)
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "taken"}}
    api.post(f"/api/v1/namespaces/{namespace}/services", {**service, "spec": {"ports": [{"port": 80}]}})
    api.close()
    body = job_form("job-01", service={"name": "taken", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]})

    refused = admin.post(jobs_url(namespace), params={"dryRun": "true"}, json=body)

    assert refused.status_code == 409
    assert [(field["path"], field["code"]) for field in refused.json()["fields"]] == [("service.name", "nameTaken")]
    assert admin.get(jobs_url(namespace)).json()["items"] == []


def test_a_dry_run_that_passes_is_200_and_stores_nothing(admin, namespace):
    checked = admin.post(jobs_url(namespace), params={"dryRun": "true"}, json=job_form("job-01"))
    assert (checked.status_code, checked.json()["dryRun"]) == (200, True)
    assert admin.get(jobs_url(namespace)).json()["items"] == []


def test_yaml_with_a_job_and_a_service_creates_both(console, admin, namespace):
    text = """
apiVersion: v1
kind: Service
metadata: {name: from-yaml}
spec:
  selector: {app: from-yaml}
  ports: [{port: 80}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: from-yaml}
spec:
  template:
    metadata: {labels: {app: from-yaml}}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox:1.36, command: [sh, -c, "true"]}]
"""
    created = admin.post(f"{jobs_url(namespace)}/yaml", json={"yaml": text})
    assert created.status_code == 201, created.text
    assert [manifest["kind"] for manifest in created.json()["manifests"]] == ["Job", "Service"]
    detail = admin.get(f"{jobs_url(namespace)}/from-yaml").json()
    assert detail["service"]["metadata"]["name"] == "from-yaml"

    privileged = text.replace("name: main,", "name: main, securityContext: {privileged: true},").replace(
        "from-yaml", "other"
    )
    editor = add_user(admin, "ns-editor", namespace)
    with sign_in(console.url, editor, PASSWORD) as browser:
        assert browser.post(f"{jobs_url(namespace)}/yaml", json={"yaml": privileged}).status_code == 403
        not_a_job = browser.post(f"{jobs_url(namespace)}/yaml", json={"yaml": "kind: Pod\napiVersion: v1\n"})
    assert (not_a_job.status_code, not_a_job.json()["code"]) == (422, "yamlKinds")


def test_suspend_resume_and_delete_with_each_cascade(admin, namespace, pods):
    for name in ("job-bg", "job-orphan"):
        assert admin.post(jobs_url(namespace), json=job_form(name)).status_code == 201
    pods.wait_active("job-bg", 1)
    (orphan_pod,) = pods.wait_active("job-orphan", 1)

    assert admin.post(f"{jobs_url(namespace)}/job-bg/suspend").status_code == 200
    eventually(lambda: _expect(status_of(admin, namespace, "job-bg") == "Suspended"))
    assert admin.post(f"{jobs_url(namespace)}/job-bg/resume").status_code == 200
    eventually(lambda: _expect(status_of(admin, namespace, "job-bg") == "Waiting"))

    assert admin.delete(f"{jobs_url(namespace)}/job-bg", params={"cascade": "Background"}).status_code == 204
    assert admin.delete(f"{jobs_url(namespace)}/job-orphan", params={"cascade": "Orphan"}).status_code == 204
    eventually(lambda: _expect(pods.pods("job-bg") == []))
    assert admin.get(f"{jobs_url(namespace)}/job-orphan").status_code == 404
    kept = pods.get(pods.pod_url(orphan_pod))
    assert not kept["metadata"].get("ownerReferences")


def test_rerun_of_a_finished_job_adds_a_run_to_its_history(admin, namespace, pods):
    assert admin.post(jobs_url(namespace), json=job_form("job-01")).status_code == 201
    (pod,) = pods.wait_active("job-01", 1)
    refused = admin.post(f"{jobs_url(namespace)}/job-01/rerun")
    assert (refused.status_code, refused.json()["code"]) == (409, "notFinished")
    pods.succeed(pod)
    eventually(lambda: _expect(status_of(admin, namespace, "job-01") == "Completed"))

    assert admin.post(f"{jobs_url(namespace)}/job-01/rerun").status_code == 200

    history = admin.get(f"{jobs_url(namespace)}/job-01/history").json()
    assert [(run["number"], run["result"]) for run in history] == [(1, "Completed"), (2, None)]
    clone = admin.get(f"{jobs_url(namespace)}/job-01/clone").json()
    assert clone["form"]["name"] == "job-01-copy"


def test_the_job_list_stream_sends_the_list_at_once_and_again_after_a_change(console, admin, namespace):
    with admin.stream("GET", jobs_url(namespace), params={"watch": "true"}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _sse_events(stream.iter_lines())
        first = next(events)
        assert (first["event"], json.loads(first["data"])["items"]) == ("jobs", [])

        assert admin.post(jobs_url(namespace), json=job_form("job-01")).status_code == 201

        changed = next(events)
        assert changed["event"] == "jobs"
        assert [item["name"] for item in json.loads(changed["data"])["items"]] == ["job-01"]


def _sse_events(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    event: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            event[key] = value.removeprefix(" ")


def _expect(condition: bool) -> None:
    assert condition


def test_the_logs_of_pods_a_delete_with_cascade_orphan_kept_stay_readable(admin, namespace, pods):
    assert admin.post(jobs_url(namespace), json=job_form("job-01")).status_code == 201
    (pod,) = pods.wait_active("job-01", 1)
    name = pod["metadata"]["name"]
    before = admin.get(f"{jobs_url(namespace)}/job-01/logs")
    assert before.status_code == 200, before.text
    assert [pod["name"] for pod in admin.get(f"{jobs_url(namespace)}/job-01/log-pods").json()] == [name]
    assert admin.delete(f"{jobs_url(namespace)}/job-01", params={"cascade": "Orphan"}).status_code == 204
    eventually(lambda: _expect(not pods.get(pods.pod_url(pod))["metadata"].get("ownerReferences")))
    assert admin.get(f"{jobs_url(namespace)}/job-01").status_code == 404

    # What `jobyard job logs --follow` picks its pod from, the Job being gone.
    assert [pod["name"] for pod in admin.get(f"{jobs_url(namespace)}/job-01/log-pods").json()] == [name]
    assert admin.get(f"{jobs_url(namespace)}/job-09/log-pods").status_code == 404
    merged = admin.get(f"{jobs_url(namespace)}/job-01/logs")
    assert merged.status_code == 200, merged.text
    assert merged.text.startswith(f"[{name}] ")
    # No node runs the pod here, so the cluster has no log to give, but the console asks it.
    one = admin.get(f"{jobs_url(namespace)}/job-01/pods/{name}/logs")
    assert one.status_code == 200 or one.json()["code"] != "notOwned", one.text
    # A pod left behind is the deleted Job's, not any other Job's.
    stranger = admin.get(f"{jobs_url(namespace)}/job-02/pods/{name}/logs")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "notOwned")


def test_the_run_history_says_a_failed_runs_result_in_the_callers_language_and_its_reason(admin, namespace, pods):
    assert (
        admin.post(
            jobs_url(namespace), json=job_form("job-01", advanced={"parallelism": 1, "backoffLimit": 0})
        ).status_code
        == 201
    )
    (pod,) = pods.wait_active("job-01", 1)
    pods.fail(pod)
    eventually(lambda: _expect(status_of(admin, namespace, "job-01") == "Failed"))
    (chinese,) = admin.get(f"{jobs_url(namespace)}/job-01/history", headers={"Accept-Language": "zh-CN"}).json()
    assert (chinese["result"], chinese["resultLabel"], chinese["reason"]) == (
        "Failed",
        "执行失败",
        "BackoffLimitExceeded",
    )
    detail = admin.get(f"{jobs_url(namespace)}/job-01").json()
    assert detail["runs"][0]["resultLabel"] == "Failed"
