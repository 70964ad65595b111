"""Editing a live Job through its dialog, in a real browser: the change reaches the API, a bad value is refused."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, create_job, user_with
from .test_pages_in_chromium import TIMEOUT, jobs_url, row, sign_in


def test_an_editor_changes_parallelism_and_a_label_and_sees_a_bad_value_refused(
    page: Page, admin, namespace, screenshots: Path
):
    create_job(admin, namespace, "job-01", advanced={"parallelism": 1, "labels": [{"key": "team", "value": "red"}]})
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(jobs_url(namespace))
    job = row(page, "job-01")
    job.locator("summary").click()
    job.get_by_role("button", name="Edit").click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Parallelism")).to_have_value("1")
    expect(dialog.get_by_label("Timeout in seconds (blank: none)")).to_have_value("")
    # The Job's own labels, without those the API server set.
    assert dialog.locator("[data-key]").evaluate_all("keys => keys.map(k => k.value)") == ["app", "team"]
    dialog.get_by_label("Parallelism").fill("2")
    dialog.locator("[data-row]").nth(1).get_by_label("Value").fill("blue")
    page.screenshot(path=screenshots / "job-edit-dialog.png")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(job).to_contain_text("team=blue", timeout=TIMEOUT)
    manifest = admin.get(f"/api{jobs_url(namespace)}/job-01").json()["job"]
    assert manifest["spec"]["parallelism"] == 2
    assert manifest["metadata"]["labels"]["team"] == "blue"

    job.locator("summary").click()
    job.get_by_role("button", name="Edit").click()
    expect(dialog.get_by_label("Parallelism")).to_have_value("2")
    dialog.get_by_label("Parallelism").fill("-1")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator('[data-error-for="parallelism"]')).to_have_text("Must be a whole number, 0 or more.")
    expect(dialog).to_be_visible()
    assert admin.get(f"/api{jobs_url(namespace)}/job-01").json()["job"]["spec"]["parallelism"] == 2
