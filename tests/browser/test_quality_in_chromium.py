"""Issue 6's quality rules in a real browser (Debian's chromium): 800 px wide, keyboard only, no layout shift.

- At 800×800 the Jobs list, a Job's detail and every wizard step fit the window's width (nothing
  scrolls sideways), keep their primary buttons on screen and the cluster's menu in one row; the
  Job list's column headings fit their columns.
- Sign-in and the wizard's first step can be done with Tab and Enter alone, and every input the
  walk reaches has a label (a ``<label>`` or ``aria-label``/``aria-labelledby``).
- A live update of the Jobs list (a Job going from Waiting to Executing to Completed while the
  page is open) moves nothing: the page's cumulative layout shift stays about 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import PASSWORD, create_job, user_with

TIMEOUT = 10_000
NARROW = {"width": 800, "height": 800}
TAB_LIMIT = 80  # more Tab presses than any page here has stops

# What the focused element is, and whether assistive technology can name it.
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const byLabel = e.labels ? [...e.labels].some(l => l.textContent.trim() !== "") : false;
  const byAria = (e.getAttribute("aria-label") || "").trim() !== "";
  const ids = (e.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
  const byRef = ids.some(id => (document.getElementById(id)?.textContent || "").trim() !== "");
  return {
    tag: e.tagName.toLowerCase(), type: e.getAttribute("type") || "", id: e.id, name: e.getAttribute("name") || "",
    text: (e.textContent || "").trim().slice(0, 40), labelled: byLabel || byAria || byRef,
  };
}"""

# Every control a person fills in a container (the form's visible inputs), as "tag#id name".
FORM_INPUTS = """(selector) => [...document.querySelectorAll(selector + " :is(input, select, textarea)")]
  .filter(e => e.type !== "hidden" && e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0)
  .map(e => e.tagName.toLowerCase() + "#" + e.id + " " + (e.getAttribute("name") || ""))"""

# Layout shifts since the page loaded (buffered), summed as the browser's CLS counts them.
OBSERVE_SHIFTS = """() => {
  window.__shifts = [];
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) {
        window.__shifts.push({
          value: entry.value,
          sources: (entry.sources || []).map(s => s.node ? (s.node.outerHTML || s.node.nodeName).slice(0, 80) : "?"),
        });
      }
    }
  }).observe({type: "layout-shift", buffered: true});
}"""


@pytest.fixture
def narrow(chromium: Browser, console) -> Iterator[Page]:
    """A fresh English page in an 800×800 window."""
    context = chromium.new_context(base_url=console.url, viewport=NARROW, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        yield page
    finally:
        context.close()


def sign_in(page: Page, name: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cluster list")).to_be_visible()


def jobs_url(namespace: str) -> str:
    return f"/clusters/local/namespaces/{namespace}/jobs"


def assert_fits_the_width(page: Page, what: str) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})"
    )
    if widths["scroll"] > widths["client"]:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll("body *")]
              .filter(e => e.getBoundingClientRect().right > limit + 0.5)
              .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + [...e.classList].join("."))""",
            widths["client"],
        )
        pytest.fail(f"{what} scrolls sideways at 800 px: {widths}; widest: {wide}")


def assert_compact_navigation(page: Page, what: str) -> None:
    """Below 900 px the cluster's side menu becomes one row across the top: a row, however short the page."""
    height = page.locator(".sidenav").evaluate("e => e.getBoundingClientRect().height")
    assert height < 60, f"{what}: the cluster menu is {height:.0f} px tall at 800 px"


def assert_on_screen(button: Locator, what: str) -> None:
    """Visible, and within the window's width (scrolling down to it is fine)."""
    expect(button).to_be_visible()
    # One script, not scroll-then-measure: a live page may swap the element in between.
    box = button.evaluate(
        """e => { e.scrollIntoView({block: "nearest"}); const r = e.getBoundingClientRect();
                 return {left: r.left, right: r.right, width: r.width, height: r.height}; }"""
    )
    assert box["width"] > 0 and box["height"] > 0, f"{what} has no size: {box}"
    assert box["left"] >= 0 and box["right"] <= NARROW["width"], f"{what} is off screen: {box}"


# 800 px wide


def test_the_job_list_fits_800_px_with_its_create_button_on_screen(
    narrow: Page, admin, admin_password, namespace, screenshots: Path
):
    create_job(admin, namespace, "a-job-with-a-rather-long-name-for-a-narrow-window", description="x" * 200)
    create_job(admin, namespace, "job-02", advanced={"parallelism": 1, "labels": [{"key": "team", "value": "ml"}]})
    sign_in(narrow, "admin", admin_password)
    narrow.goto(jobs_url(namespace))
    expect(narrow.locator('tr[data-job="job-02"]')).to_be_visible()
    assert_fits_the_width(narrow, "the Job list")
    assert_compact_navigation(narrow, "the Job list")
    clipped = narrow.locator("table.jobs th").evaluate_all(
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent.trim())"
    )
    assert clipped == [], f"column headings wider than their columns: {clipped}"
    assert_on_screen(narrow.get_by_role("button", name="Create by image"), "Create by image")
    assert_on_screen(narrow.get_by_role("button", name="Create by YAML"), "Create by YAML")
    assert_on_screen(narrow.get_by_label("Actions for job-02"), "the row menu")
    narrow.screenshot(path=screenshots / "quality-jobs-800.png", full_page=True)


def test_a_job_detail_fits_800_px_with_its_actions_on_screen(
    narrow: Page, admin, admin_password, namespace, pods, screenshots: Path
):
    create_job(admin, namespace, "job-01", description="A Job seen in a narrow window.")
    pods.wait_active("job-01", 1)
    sign_in(narrow, "admin", admin_password)
    narrow.goto(f"{jobs_url(namespace)}/job-01")
    actions = narrow.locator(".job-head .actions button")
    expect(actions.first).to_be_visible()
    assert_fits_the_width(narrow, "the Job detail")
    assert_compact_navigation(narrow, "the Job detail")
    for name in ("Suspend", "Clone", "Delete"):
        assert_on_screen(narrow.locator(".job-head .actions").get_by_role("button", name=name), name)
    narrow.screenshot(path=screenshots / "quality-job-800.png", full_page=True)


def test_every_wizard_step_fits_800_px_with_its_buttons_on_screen(
    narrow: Page, admin_password, namespace, screenshots: Path
):
    sign_in(narrow, "admin", admin_password)
    narrow.goto(f"{jobs_url(namespace)}/new")
    step_title = narrow.locator("#step-title")
    steps = ["Basic info", "Container settings", "Service settings", "Advanced settings"]
    for number, title in enumerate(steps, start=1):
        expect(step_title).to_have_text(title)
        assert_fits_the_width(narrow, f"wizard step {number}")
        assert_compact_navigation(narrow, f"wizard step {number}")
        primary = "Create" if number == len(steps) else "Next step"
        assert_on_screen(narrow.get_by_role("button", name=primary, exact=True), f"step {number}: {primary}")
        assert_on_screen(narrow.get_by_role("button", name="Dry run"), f"step {number}: Dry run")
        for stop in range(len(steps)):
            assert_on_screen(narrow.locator(".stepbar button").nth(stop), f"step {number}: step bar {stop + 1}")
        narrow.screenshot(path=screenshots / f"quality-wizard-{number}-800.png", full_page=True)
        if number == 1:
            narrow.get_by_label(re.compile(r"^Name\b")).fill("job-narrow")
        elif number == 2:
            panel = narrow.locator("#panel-containers-0")
            panel.get_by_label(re.compile(r"^Container name")).fill("main")
            panel.get_by_label(re.compile(r"^Image\b(?! pull)")).fill("busybox:1.36")
            for tab in panel.get_by_role("tab").all():
                tab.click()
                assert_fits_the_width(narrow, f"wizard step 2, tab {tab.inner_text()!r}")
        if number < len(steps):
            narrow.get_by_role("button", name="Next step").click()


# Keyboard only


def tab_walk(page: Page, until: str | None = None) -> list[dict[str, Any]]:
    """Tab from where the focus is, recording each stop, until ``until`` (an element id) or the limit."""
    stops = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        stops.append(focused)
        if until is not None and focused["id"] == until:
            break
    return stops


def unlabelled(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [stop for stop in stops if stop["tag"] in ("input", "select", "textarea") and not stop["labelled"]]


def test_signing_in_takes_only_the_keyboard(page: Page, admin_password):
    page.goto("/sign-in")
    expect(page.locator("#name")).to_be_focused()  # autofocus: typing starts at once
    page.keyboard.type("admin")
    stops = tab_walk(page, until="password")
    assert stops[-1]["id"] == "password", stops
    page.keyboard.type(admin_password)
    stops.extend(tab_walk(page, until="name"))  # round the page, back to the name
    ids = {stop["id"] for stop in stops}
    assert {"name", "password"} <= ids, stops
    assert unlabelled(stops) == []
    page.keyboard.press("Tab")  # password, then Enter submits
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cluster list")).to_be_visible(timeout=TIMEOUT)


def test_the_wizards_first_step_takes_only_the_keyboard(page: Page, admin, namespace):
    page.set_default_timeout(TIMEOUT)
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(f"{jobs_url(namespace)}/new")
    expect(page.locator("#step-title")).to_have_text("Basic info")
    wanted = set(page.evaluate(FORM_INPUTS, "#wizard"))
    assert wanted, "the first step shows no inputs"

    page.locator("body").focus()
    stops = tab_walk(page)
    reached = {f"{stop['tag']}#{stop['id']} {stop['name']}" for stop in stops}
    assert wanted <= reached, f"never reached by Tab: {sorted(wanted - reached)}"
    assert unlabelled(stops) == [], unlabelled(stops)

    # Fill it in: Tab to the name, type, Enter means "Next step".
    page.locator("body").focus()
    tab_walk(page, until="f-name")
    expect(page.get_by_label(re.compile(r"^Name\b"))).to_be_focused()
    page.keyboard.type("job-keys")
    page.keyboard.press("Enter")
    expect(page.locator("#step-title")).to_have_text("Container settings")


# Live updates


def test_live_updates_of_the_job_list_shift_nothing(page: Page, admin, admin_password, namespace, pods):
    for name in ("job-01", "job-02", "job-03"):
        create_job(admin, namespace, name, description=f"{name}, watched while it runs")
    sign_in(page, "admin", admin_password)
    page.goto(jobs_url(namespace))
    badge = page.locator('tr[data-job="job-02"] .badge')
    expect(badge).to_have_text("Waiting")
    assert page.evaluate("PerformanceObserver.supportedEntryTypes.includes('layout-shift')")
    page.evaluate(OBSERVE_SHIFTS)

    (pod,) = pods.wait_active("job-02", 1)
    pods.write_pod_status(pod, {"phase": "Running", "startTime": pod["metadata"]["creationTimestamp"]})
    expect(badge).to_have_text("Executing", timeout=TIMEOUT)
    pods.succeed(pod)
    expect(badge).to_have_text("Completed", timeout=TIMEOUT)
    expect(page.locator('tr[data-job="job-02"] .progress-text')).to_have_text("1/1")
    assert admin.post(f"/api{jobs_url(namespace)}/job-03/suspend").status_code == 200
    expect(page.locator('tr[data-job="job-03"] .badge')).to_have_text("Suspended", timeout=TIMEOUT)

    shifts = page.evaluate("window.__shifts")
    assert sum(shift["value"] for shift in shifts) < 0.01, shifts
