"""The create-by-image wizard in a real browser (Debian's chromium), as an NS Editor fills it.

Screenshots of each step go to the test output (``test-output/screenshots``) for the user guide.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, user_with

TIMEOUT = 10_000


def sign_in(page: Page, name: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cluster list")).to_be_visible()


def test_an_editor_fills_the_four_steps_and_lands_on_the_new_job(page: Page, admin, namespace, screenshots: Path):
    page.set_default_timeout(TIMEOUT)
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(f"/clusters/local/namespaces/{namespace}/jobs")
    page.get_by_role("button", name="Create by image").click()
    step_title = page.locator("#step-title")
    expect(step_title).to_have_text("Basic info")

    # Step 1: a bad name is refused next to the field, then fixed.
    page.get_by_label(re.compile(r"^Name\b")).fill("Job_01")
    page.get_by_label("Instances").fill("4")
    page.get_by_role("button", name="Next step").click()
    expect(page.locator('[data-error-for="name"]')).to_have_text("Use only lowercase letters, digits and '-'.")
    expect(page.get_by_label(re.compile(r"^Name\b"))).to_be_focused()
    page.get_by_label(re.compile(r"^Name\b")).fill("job-walk")
    page.get_by_label("Description").fill("Walks through the wizard.")
    page.screenshot(path=screenshots / "wizard-1-basic.png")
    page.get_by_role("button", name="Next step").click()
    expect(step_title).to_have_text("Container settings")

    # Step 2: the first container, its env var from a ConfigMap and a health check.
    first = page.locator("#panel-containers-0")
    first.get_by_label(re.compile(r"^Container name")).fill("main")
    first.get_by_label(re.compile(r"^Image\b(?! pull)")).fill("busybox:1.36")
    first.get_by_role("tab", name="Environment variables").click()
    first.get_by_role("button", name="+ Add variable").click()
    row = page.locator("#panel-containers-0 .rows .row").first
    expect(row).to_be_visible()
    row.get_by_label("Type").select_option("configMapKey")
    row.get_by_label("Variable name").fill("GREETING")
    row.get_by_label("ConfigMap").fill("settings")
    row.get_by_label("Key", exact=True).fill("greeting")
    page.locator("#panel-containers-0").get_by_role("tab", name="Health check").click()
    liveness = page.locator("#panel-containers-0 fieldset", has_text="Liveness check")
    liveness.get_by_label("Check").select_option("exec")
    liveness.get_by_label("Command, one argument per line").fill("true")
    page.screenshot(path=screenshots / "wizard-2-containers.png")

    # A second container, by "+".
    page.get_by_role("button", name="+ Container").click()
    second = page.locator("#panel-containers-1")
    expect(second).to_be_visible()
    second.get_by_label(re.compile(r"^Container name")).fill("sidecar")
    second.get_by_label(re.compile(r"^Image\b(?! pull)")).fill("busybox:1.36")
    page.get_by_role("button", name="Next step").click()
    expect(step_title).to_have_text("Service settings")

    # Step 3: a Service with one port.
    page.get_by_label("Create a Service").check()
    page.get_by_role("button", name="+ Add port").click()
    expect(page.get_by_label("Service port")).to_be_visible()
    page.get_by_label("Port name").fill("http")
    page.get_by_label("Service port").fill("80")
    page.get_by_label("Container port").fill("8080")
    page.screenshot(path=screenshots / "wizard-3-service.png")
    page.get_by_role("button", name="Next step").click()
    expect(step_title).to_have_text("Advanced settings")

    # Step 4: parallelism 2, a timeout, a label; at 800 px wide.
    page.set_viewport_size({"width": 800, "height": 800})
    page.get_by_label("Parallelism").fill("2")
    page.get_by_label("Timeout (s)").fill("600")
    page.locator("fieldset", has_text="Labels").get_by_role("button", name="+ Add").click()
    labels = page.locator("fieldset", has_text="Labels")
    expect(labels.get_by_label("Key")).to_be_visible()
    labels.get_by_label("Key").fill("team")
    labels.get_by_label("Value").fill("data")
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_role("status").filter(has_text="Dry run passed")).to_be_visible()
    page.screenshot(path=screenshots / "wizard-4-advanced.png", full_page=True)

    # The YAML view shows what the form makes.
    page.get_by_role("button", name="YAML", exact=True).click()
    expect(page.get_by_label("Manifests (YAML)")).to_contain_text("activeDeadlineSeconds: 600")
    page.screenshot(path=screenshots / "wizard-yaml.png")
    page.get_by_role("button", name="Back to the form").click()
    expect(page.get_by_label("Parallelism")).to_have_value("2")

    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(f"{page.url.split('/clusters/')[0]}/clusters/local/namespaces/{namespace}/jobs/job-walk")
    page.screenshot(path=screenshots / "wizard-created.png")

    job = admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs/job-walk").json()["job"]
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["activeDeadlineSeconds"]) == (4, 2, 600)
    containers = spec["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["main", "sidecar"]
    assert containers[0]["env"][0]["valueFrom"]["configMapKeyRef"] == {"name": "settings", "key": "greeting"}
    assert containers[0]["livenessProbe"]["exec"]["command"] == ["true"]
    assert spec["template"]["metadata"]["labels"]["team"] == "data"
    service = admin.get(f"/api/clusters/local/namespaces/{namespace}/jobs/job-walk").json()["service"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [("http", 80, 8080)]


def test_the_wizard_speaks_chinese_with_the_messages_next_to_the_fields(
    page: Page, admin, namespace, screenshots: Path
):
    page.set_default_timeout(TIMEOUT)
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(f"/language/zh-CN?next=/clusters/local/namespaces/{namespace}/jobs/new")
    expect(page.locator("#step-title")).to_have_text("基本信息")
    page.get_by_label(re.compile(r"^名称")).fill("job-zh")
    page.get_by_label("描述").fill("x" * 513)
    page.get_by_role("button", name="下一步").click()
    expect(page.locator('[data-error-for="description"]')).to_contain_text("512")
    page.screenshot(path=screenshots / "wizard-1-basic-zh.png")
