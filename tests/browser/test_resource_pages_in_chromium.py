"""ConfigMaps & Secrets and Services in a real browser (Debian's chromium), with screenshots for the user guide.

An NS Editor creates a ConfigMap (key/value rows) and an image pull Secret from their dialogs and
sees each list updated in place; a Job's Service shows on the Services page and on the Job's page;
an NS Viewer sees ConfigMaps only, with nothing to create.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, create_job, user_with
from .test_pages_in_chromium import sign_in

TIMEOUT = 10_000


def configs_url(namespace: str) -> str:
    return f"/clusters/local/namespaces/{namespace}/configs"


def test_an_editor_creates_a_configmap_and_a_pull_secret_from_the_page(page: Page, admin, namespace, screenshots: Path):
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(f"/clusters/local/configs?namespace={namespace}")
    expect(page.get_by_role("heading", name="ConfigMaps & Secrets")).to_be_visible()

    page.get_by_role("button", name="Create ConfigMap").click()
    dialog = page.locator("#configmap-dialog")
    dialog.get_by_label("Name", exact=True).fill("app-settings")
    dialog.get_by_label("Key", exact=True).fill("mode")
    dialog.get_by_label("Value", exact=True).fill("fast")
    dialog.get_by_role("button", name="+ Add key").click()
    dialog.get_by_label("Key", exact=True).nth(1).fill("level")
    dialog.get_by_label("Value", exact=True).nth(1).fill("3")
    page.screenshot(path=screenshots / "configmap-create.png")
    dialog.get_by_role("button", name="Create").click()
    created = page.locator('tr[data-configmap="app-settings"]')
    expect(created).to_contain_text("level", timeout=TIMEOUT)
    expect(created).to_contain_text("mode")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Create pull secret").click()
    pull = page.locator("#pull-secret-dialog")
    pull.get_by_label("Name", exact=True).fill("regcred")
    pull.get_by_label("Registry").fill("registry.example.com:5000")
    pull.get_by_label("User name").fill("bob")
    pull.get_by_label("Password").fill("hunter2-secret")
    pull.get_by_role("button", name="Create").click()
    secret = page.locator('tr[data-secret="regcred"]')
    expect(secret).to_contain_text("kubernetes.io/dockerconfigjson", timeout=TIMEOUT)
    expect(page.locator("body")).not_to_contain_text("hunter2-secret")
    page.screenshot(path=screenshots / "configs.png", full_page=True)


def test_a_bad_configmap_name_is_refused_next_to_the_field(page: Page, admin, namespace):
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(configs_url(namespace))
    page.get_by_role("button", name="Create ConfigMap").click()
    dialog = page.locator("#configmap-dialog")
    dialog.get_by_label("Name", exact=True).fill("Bad_Name")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.locator('[data-error-for="name"]')).not_to_be_empty(timeout=TIMEOUT)
    expect(dialog).to_be_visible()


def test_the_services_page_and_the_jobs_page_show_the_jobs_service(
    page: Page, admin, admin_password, namespace, screenshots: Path
):
    service = {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
    create_job(admin, namespace, "job-web", service=service)
    sign_in(page, "admin", admin_password)
    page.goto(f"/clusters/local/services?namespace={namespace}")
    row = page.locator('tr[data-service="job-web"]')
    expect(row).to_contain_text("NodePort")
    expect(row).to_contain_text("app=job-web")
    page.screenshot(path=screenshots / "services.png")
    page.goto(f"/clusters/local/namespaces/{namespace}/jobs/job-web")
    section = page.locator("#job-service")
    expect(section.locator('tr[data-service="job-web"]')).to_contain_text("http: 80/TCP → 8080")
    section.get_by_role("button", name="Refresh").click()
    expect(page.locator('#job-service tr[data-service="job-web"]')).to_be_visible()


def test_a_viewer_sees_configmaps_but_no_secrets_and_nothing_to_create(page: Page, admin, namespace, screenshots: Path):
    url = f"/api/clusters/local/namespaces/{namespace}"
    assert admin.post(f"{url}/configmaps", json={"name": "shared", "data": {"a": "1"}}).status_code == 201
    assert admin.post(f"{url}/secrets", json={"name": "hidden", "data": {"b": "2"}}).status_code == 201
    viewer = user_with(admin, "ns-viewer", namespace)
    sign_in(page, viewer, PASSWORD)
    page.goto(configs_url(namespace))
    expect(page.locator('tr[data-configmap="shared"]')).to_be_visible()
    expect(page.locator("#secrets")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("hidden")
    expect(page.locator("main button")).to_have_count(0)
    expect(page.locator(".sidenav").get_by_role("link", name="Permissions")).to_have_count(0)
    page.screenshot(path=screenshots / "configs-viewer.png")


def test_the_wizard_creates_a_pull_secret_inline_and_fills_the_field(page: Page, admin, namespace, screenshots: Path):
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(f"/clusters/local/namespaces/{namespace}/jobs/new")
    page.get_by_label(re.compile(r"^Name\b")).fill("job-pull")
    page.get_by_role("button", name="Next step").click()
    expect(page.locator("#step-title")).to_have_text("Container settings")
    page.locator("#panel-containers-0").get_by_role("button", name="Create one").click()
    dialog = page.locator("#pull-secret-dialog")
    dialog.get_by_label("Name", exact=True).fill("inline-cred")
    dialog.get_by_label("Registry").fill("registry.example.com")
    dialog.get_by_label("User name").fill("bob")
    dialog.get_by_label("Password").fill("hunter2-secret")
    page.screenshot(path=screenshots / "wizard-pull-secret.png")
    dialog.get_by_role("button", name="Create").click()
    field = page.locator("#panel-containers-0").get_by_label("Image pull secret")
    expect(field).to_have_value("inline-cred", timeout=TIMEOUT)
    expect(page.locator("#pull-secret-dialog")).to_have_count(0)
    secrets = admin.get(f"/api/clusters/local/namespaces/{namespace}/secrets").json()
    assert {secret["name"]: secret["type"] for secret in secrets}["inline-cred"] == "kubernetes.io/dockerconfigjson"
