"""The create-by-image wizard over HTTP (no browser): each step's checks, the YAML view, dry run, create, who may.

A test drives the wizard as the page does: it posts the draft the last answer carried, the
step's inputs and the button pressed (``op``), and reads the messages next to the fields.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from jobyard.console.forms import message

from .conftest import PASSWORD, create_job, user_with, web_client

CONTAINER = {"containers[0].name": "main", "containers[0].image": "busybox:1.36", "containers[0].alwaysPull": "1"}


class Wizard:
    """One person's wizard: what the last answer holds (draft, step, CSRF token), and a way to press a button."""

    def __init__(self, client: httpx.Client, namespace: str) -> None:
        self.client = client
        self.url = f"/clusters/local/namespaces/{namespace}/jobs/new"
        opened = client.get(self.url)
        assert opened.status_code == 200, opened.text[:500]
        self.page = ""
        self.absorb(opened)

    def absorb(self, response: httpx.Response) -> None:
        self.page = response.text
        self.csrf = self.hidden("csrf_token")
        self.draft = self.hidden("draft")
        self.step = int(self.hidden("step"))

    def hidden(self, name: str) -> str:
        found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', self.page)
        assert found, f"no hidden {name}"
        return html.unescape(found.group(1))

    def press(self, op: str, fields: dict[str, str] | None = None, **extra: str) -> httpx.Response:
        data = {
            "csrf_token": self.csrf,
            "draft": self.draft,
            "step": str(self.step),
            "op": op,
            **(fields or {}),
            **extra,
        }
        response = self.client.post(self.url, data=data, headers={"HX-Request": "true"})
        if response.status_code == 200:
            self.absorb(response)
        return response

    def error(self, path: str) -> str:
        found = re.search(rf'data-error-for="{re.escape(path)}"[^>]*>([^<]*)<', self.page)
        assert found, f"no message slot for {path}"
        return html.unescape(found.group(1))

    def yaml_text(self) -> str:
        found = re.search(r'<textarea id="f-yaml" name="yaml"[^>]*>(.*?)</textarea>', self.page, re.S)
        assert found
        return html.unescape(found.group(1))


@pytest.fixture
def editor(console, admin, namespace) -> Iterator[httpx.Client]:
    name = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, name, PASSWORD) as client:
        yield client


@pytest.fixture
def editor_zh(console, admin, namespace) -> Iterator[httpx.Client]:
    name = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, name, PASSWORD, **{"Accept-Language": "zh-CN"}) as client:
        yield client


def basic(name: str, **more: str) -> dict[str, str]:
    return {"name": name, "instances": "2", "description": "", **more}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_step_one_stays_with_a_message_under_a_bad_name_and_a_513_character_description(
    console, admin, namespace, lang
):
    name = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, name, PASSWORD, **{"Accept-Language": lang}) as client:
        wizard = Wizard(client, namespace)
        response = wizard.press("next", basic("Job_01", description="x" * 513))
    assert response.status_code == 200
    assert wizard.step == 0
    assert wizard.error("name") == message("nameCharacters", lang)
    assert wizard.error("description") == message("tooLong", lang, maximum=512, length=513)
    assert 'aria-invalid="true"' in wizard.page


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_step_two_refuses_a_cpu_request_above_its_limit(console, admin, namespace, lang):
    name = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, name, PASSWORD, **{"Accept-Language": lang}) as client:
        wizard = Wizard(client, namespace)
        wizard.press("next", basic("job-cpu"))
        assert wizard.step == 1
        resources = {"containers[0].resources.cpuRequest": "2", "containers[0].resources.cpuRequest@unit": ""}
        resources |= {"containers[0].resources.cpuLimit": "500", "containers[0].resources.cpuLimit@unit": "m"}
        wizard.press("next", {**CONTAINER, **resources})
    assert wizard.step == 1
    assert wizard.error("containers[0].resources.cpuRequest") == message("requestExceedsLimit", lang, limit="500m")


def test_a_step_passes_once_fixed_and_the_draft_keeps_earlier_steps(editor, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic("job-keep", description="kept"))
    wizard.press("next", CONTAINER)
    assert wizard.step == 2
    wizard.press("back")
    wizard.press("back", CONTAINER)
    assert wizard.step == 0
    assert 'value="job-keep"' in wizard.page and ">kept</textarea>" in wizard.page


def test_rows_are_added_and_removed_by_the_server(editor, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic("job-rows"))
    wizard.press("add:containers[0].env", CONTAINER)
    wizard.press(
        "add:containers[0].env", {**CONTAINER, "containers[0].env[0].name": "A", "containers[0].env[0].value": "1"}
    )
    assert 'name="containers[0].env[1].name"' in wizard.page
    fields = {**CONTAINER, "containers[0].env[0].name": "A", "containers[0].env[1].name": "B"}
    wizard.press("remove:containers[0].env[0]", fields)
    assert 'name="containers[0].env[1].name"' not in wizard.page
    assert 'name="containers[0].env[0].name" type="text" value="B"' in wizard.page
    wizard.press("add:containers", CONTAINER)
    assert 'id="panel-containers-1"' in wizard.page and "container-2" in wizard.page


def test_the_yaml_view_round_trips_and_keeps_what_the_form_cannot_show(editor, admin, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic("job-yaml"))
    wizard.press("yaml", CONTAINER)
    documents = list(yaml.safe_load_all(wizard.yaml_text()))
    job = documents[0]
    assert (job["kind"], job["metadata"]["name"], job["spec"]["completions"]) == ("Job", "job-yaml", 2)
    job["spec"]["parallelism"] = 1
    job["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 7
    edited = yaml.safe_dump(job, sort_keys=False)

    wizard.press("form", mode="yaml", yaml=edited)
    assert wizard.step == 1 and "f-yaml" not in wizard.page
    assert wizard.draft and '"parallelism":1' in wizard.draft
    wizard.press("yaml", CONTAINER)
    again = next(yaml.safe_load_all(wizard.yaml_text()))
    assert again["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 7
    assert again["spec"]["parallelism"] == 1

    created = wizard.press("create", mode="yaml", yaml=wizard.yaml_text())
    assert created.headers.get("HX-Redirect") == f"/clusters/local/namespaces/{namespace}/jobs/job-yaml"
    stored = admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs/job-yaml").json()["job"]
    assert stored["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 7


def test_yaml_the_form_cannot_open_stays_in_the_yaml_view_with_the_reason(editor, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("yaml", basic("job-bad"))
    response = wizard.press("form", mode="yaml", yaml="kind: ConfigMap\napiVersion: v1\n")
    assert response.status_code == 200
    assert "f-yaml" in wizard.page and 'role="alert"' in wizard.page


def test_a_dry_run_refused_by_the_cluster_shows_the_message_on_the_service_name(editor, admin, namespace):
    ports: list[dict[str, Any]] = [{"name": "http", "port": 80, "targetPort": 8080}]
    create_job(admin, namespace, "job-01", service={"name": "taken-svc", "ports": ports})
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic("job-02"))
    wizard.press("next", CONTAINER)
    service = {"service.enabled": "1", "service.name": "taken-svc", "service.type": "ClusterIP"}
    service |= {"service.ports[0].name": "http", "service.ports[0].port": "80", "service.ports[0].targetPort": "8080"}
    wizard.press("next", service)
    assert wizard.step == 3
    wizard.press("dryrun", {"advanced.parallelism": "1", "advanced.backoffLimit": "6"})
    assert wizard.step == 2
    assert wizard.error("service.name") == message("nameTaken", "en", name="taken-svc", namespace=namespace)
    names = [job["name"] for job in admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs").json()["items"]]
    assert names == ["job-01"]


def test_a_dry_run_that_passes_says_so_and_create_lands_on_the_job(editor, admin, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic("job-ok", instances="4"))
    wizard.press("next", CONTAINER)
    wizard.press("next", {})
    advanced = {"advanced.parallelism": "2", "advanced.timeoutSeconds": "600", "advanced.backoffLimit": "6"}
    advanced |= {"advanced.labels[0].key": "team", "advanced.labels[0].value": "data"}
    wizard.press("dryrun", advanced)
    assert "Dry run passed" in wizard.page
    created = wizard.press("create", advanced)
    assert created.status_code == 204
    assert created.headers["HX-Redirect"] == f"/clusters/local/namespaces/{namespace}/jobs/job-ok"
    job = admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs/job-ok").json()["job"]
    assert (job["spec"]["completions"], job["spec"]["parallelism"], job["spec"]["activeDeadlineSeconds"]) == (4, 2, 600)
    assert job["spec"]["template"]["metadata"]["labels"]["team"] == "data"


def test_a_privileged_container_needs_a_cluster_admin_said_on_the_field(editor_zh, namespace):
    wizard = Wizard(editor_zh, namespace)
    wizard.press("next", basic("job-priv"))
    wizard.press("next", {**CONTAINER, "containers[0].privileged": "1"})
    assert wizard.step == 1
    assert "集群管理员" in wizard.error("containers[0].privileged")


def test_a_viewer_cannot_open_or_post_the_wizard(console, admin, namespace):
    viewer = user_with(admin, "ns-viewer", namespace)
    with web_client(console.url, viewer, PASSWORD) as client:
        url = f"/clusters/local/namespaces/{namespace}/jobs/new"
        assert client.get(url).status_code == 403
        assert client.post(url, data={"op": "next"}).status_code == 403
        assert client.get(url + "/yaml").status_code == 403


def test_a_post_without_the_csrf_token_is_refused(editor, namespace):
    wizard = Wizard(editor, namespace)
    wizard.csrf = "forged"
    assert wizard.press("next", basic("job-csrf")).status_code == 403


def test_create_by_yaml_validates_and_creates(editor, admin, namespace):
    url = f"/clusters/local/namespaces/{namespace}/jobs/new/yaml"
    page = editor.get(url)
    csrf = html.unescape(re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1))
    refused = editor.post(url, data={"csrf_token": csrf, "yaml": "kind: [", "op": "dryrun"})
    assert refused.status_code == 422 and "YAML" in refused.text
    text = yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "job-from-yaml"},
            "spec": {
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox:1.36"}]}
                }
            },
        }
    )
    created = editor.post(url, data={"csrf_token": csrf, "op": "create"}, files={"file": ("job.yaml", text)})
    assert created.status_code == 303
    assert created.headers["location"] == f"/clusters/local/namespaces/{namespace}/jobs/job-from-yaml"
    assert admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs/job-from-yaml").status_code == 200


def test_the_image_picker_says_when_no_registry_is_configured(editor, namespace):
    response = editor.get(f"/clusters/local/namespaces/{namespace}/jobs/new/images")
    assert response.status_code == 200
    assert "No image registry is configured" in response.text or "<button" in response.text


def test_a_clone_opens_the_wizard_filled_from_the_job_under_a_free_name(editor, admin, namespace):
    create_job(admin, namespace, "job-01", description="the original")
    opened = editor.get(f"/clusters/local/namespaces/{namespace}/jobs/new", params={"clone": "job-01"})
    assert opened.status_code == 200
    assert 'value="job-01-copy"' in opened.text or 'value="job-01-' in opened.text
    assert ">the original</textarea>" in opened.text
    assert "Opened from existing manifests" in opened.text


def test_the_image_picker_lists_registries_and_says_when_one_does_not_answer(editor, admin, namespace):
    name = f"reg-{namespace}"
    added = admin.post("/api/registries", json={"name": name, "url": "http://127.0.0.1:9"})
    assert added.status_code == 201, added.text
    try:
        picker = f"/clusters/local/namespaces/{namespace}/jobs/new/images"
        listed = editor.get(picker)
        assert f"registry={name}" in listed.text and "127.0.0.1:9" in listed.text
        refused = editor.get(picker, params={"registry": name})
        assert refused.status_code == 200 and 'role="alert"' in refused.text
    finally:
        admin.delete(f"/api/registries/{name}")


def test_what_a_person_types_is_escaped_on_the_page(editor, namespace):
    wizard = Wizard(editor, namespace)
    wizard.press("next", basic('"><script>alert(1)</script>', description="<b>bold</b>"))
    assert "<script>alert(1)</script>" not in wizard.page and "<b>bold</b>" not in wizard.page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in wizard.page


def test_yaml_for_a_namespace_the_caller_may_not_create_in_is_refused_on_the_namespace(console, admin, namespace):
    other = admin.post("/api/clusters/local/namespaces", json={"name": f"{namespace}-x"})
    assert other.status_code == 201
    name = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, name, PASSWORD) as client:
        wizard = Wizard(client, namespace)
        wizard.press("yaml", basic("job-elsewhere"))
        moved = wizard.yaml_text().replace(f"namespace: {namespace}", f"namespace: {namespace}-x")
        wizard.press("create", mode="yaml", yaml=moved)
    assert wizard.step == 0
    assert "job.create" in wizard.error("namespace")
