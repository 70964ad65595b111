"""The console in a real browser (Debian's chromium): sign-in, language, navigation, live Job list, actions.

Each test signs in through the page, as a person does, and leaves a screenshot of what it saw
in the test output (``test-output/screenshots``) for the user guide.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, create_job, user_with

TIMEOUT = 10_000


def sign_in(page: Page, name: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Cluster list")).to_be_visible()


def jobs_url(namespace: str) -> str:
    return f"/clusters/local/namespaces/{namespace}/jobs"


def row(page: Page, name: str):
    return page.locator(f'tr[data-job="{name}"]')


def test_a_wrong_password_is_refused_in_english_then_in_chinese(page: Page, console, screenshots: Path):
    page.goto("/clusters")
    expect(page).to_have_url(f"{console.url}/sign-in?next=%2Fclusters")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    page.screenshot(path=screenshots / "sign-in-refused-en.png")

    page.get_by_role("link", name="中文").click()
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    page.screenshot(path=screenshots / "sign-in-refused-zh.png")


def test_the_language_chosen_is_remembered_across_pages(page: Page, admin_password, screenshots: Path):
    sign_in(page, "admin", admin_password)
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="集群列表")).to_be_visible()
    page.get_by_role("link", name="local").click()
    expect(page.get_by_role("heading", name="集群详情: local")).to_be_visible()
    page.goto("/admin/users")
    expect(page.get_by_role("heading", name="用户")).to_be_visible()
    page.screenshot(path=screenshots / "users-zh.png")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()


def test_breadcrumbs_lead_from_the_cluster_list_to_a_namespaces_jobs_and_back(
    page: Page, admin, admin_password, namespace, screenshots: Path
):
    create_job(admin, namespace, "job-01")
    sign_in(page, "admin", admin_password)
    expect(page.locator("#clusters")).to_contain_text("Running")
    page.screenshot(path=screenshots / "clusters.png")
    page.get_by_role("link", name="local", exact=True).click()
    page.screenshot(path=screenshots / "cluster.png")
    page.locator(".sidenav").get_by_role("link", name="Workloads").click()
    page.get_by_label("Namespace").select_option(namespace)
    expect(page).to_have_url(f"{page.url.split('/clusters')[0]}{jobs_url(namespace)}")
    expect(row(page, "job-01")).to_be_visible()
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("listitem")).to_have_text(["Clusters", "local", "Workloads", "Jobs"])
    crumbs.get_by_role("link", name="local").click()
    expect(page.get_by_role("heading", name="Cluster details: local")).to_be_visible()
    page.locator(".sidenav").get_by_role("link", name="Namespaces").click()
    expect(page.locator("#namespaces")).to_contain_text(namespace)
    page.screenshot(path=screenshots / "namespaces.png")


def test_the_job_list_shows_dce_statuses_and_follows_changes_without_reloading(
    page: Page, admin, admin_password, namespace, pods, screenshots: Path
):
    create_job(admin, namespace, "job-waiting")
    create_job(admin, namespace, "job-done", advanced={"parallelism": 1}, instances=1)
    sign_in(page, "admin", admin_password)
    page.get_by_role("link", name="中文").click()
    page.goto(jobs_url(namespace))
    expect(row(page, "job-waiting").locator(".badge")).to_have_text("等待中")
    page.evaluate("window.__notReloaded = true")

    assert admin.post(f"/api{jobs_url(namespace)}/job-waiting/suspend").status_code == 200
    expect(row(page, "job-waiting").locator(".badge")).to_have_text("已暂停", timeout=TIMEOUT)
    (pod,) = pods.wait_active("job-done", 1)
    pods.succeed(pod)
    expect(row(page, "job-done").locator(".badge")).to_have_text("执行完成", timeout=TIMEOUT)
    expect(row(page, "job-done").locator(".progress-text")).to_have_text("1/1")
    assert page.evaluate("window.__notReloaded") is True
    page.screenshot(path=screenshots / "jobs-zh.png")


def test_an_ns_viewer_sees_no_create_button_and_no_actions(page: Page, admin, namespace, screenshots: Path):
    create_job(admin, namespace, "job-01")
    viewer = user_with(admin, "ns-viewer", namespace)
    sign_in(page, viewer, PASSWORD)
    page.goto(jobs_url(namespace))
    expect(row(page, "job-01")).to_be_visible()
    expect(page.get_by_role("link", name="Create by image")).to_have_count(0)
    expect(page.locator("details.menu")).to_have_count(0)
    page.get_by_role("link", name="job-01").click()
    expect(page.locator(".job-head .actions button")).to_have_count(0)
    page.screenshot(path=screenshots / "job-viewer.png")


def test_suspend_resume_and_delete_with_orphan_from_the_row_menu(page: Page, admin, namespace, pods, screenshots: Path):
    create_job(admin, namespace, "job-01")
    (pod,) = pods.wait_active("job-01", 1)
    editor = user_with(admin, "ns-editor", namespace)
    sign_in(page, editor, PASSWORD)
    page.goto(jobs_url(namespace))
    job = row(page, "job-01")

    job.locator("summary").click()
    page.screenshot(path=screenshots / "jobs-row-menu.png")
    job.get_by_role("button", name="Suspend").click()
    expect(job.locator(".badge")).to_have_text("Suspended", timeout=TIMEOUT)
    job.locator("summary").click()
    job.get_by_role("button", name="Resume").click()
    expect(job.locator(".badge")).to_have_text("Waiting", timeout=TIMEOUT)

    job.locator("summary").click()
    job.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Keep them, so their logs stay readable (orphan)").check()
    page.screenshot(path=screenshots / "job-delete-dialog.png")
    dialog.get_by_role("button", name="Delete").click()
    expect(job).to_have_count(0, timeout=TIMEOUT)
    (kept,) = pods.pods("job-01") or [pods.get(pods.pod_url(pod))]
    assert not kept["metadata"].get("ownerReferences")


def test_the_job_detail_shows_conditions_events_and_pods(
    page: Page, admin, admin_password, namespace, pods, screenshots: Path
):
    create_job(admin, namespace, "job-01")
    (pod,) = pods.wait_active("job-01", 1)
    pods.fail(pod, exit_code=3)
    sign_in(page, "admin", admin_password)
    page.goto(f"{jobs_url(namespace)}/job-01")
    failed = page.locator("#pods tbody tr", has_text=pod["metadata"]["name"])
    expect(failed.locator("td").nth(4)).to_have_text("3", timeout=TIMEOUT)
    expect(failed.locator(".phase")).to_have_text("Failed")
    expect(page.locator("#events tbody")).to_contain_text("SuccessfulCreate", timeout=TIMEOUT)
    expect(page.locator("#yaml pre")).to_contain_text("kind: Job")
    pods.wait_active("job-01", 1)
    page.reload()
    expect(page.locator("#pods tbody tr")).to_have_count(2)
    page.screenshot(path=screenshots / "job-detail.png", full_page=True)
    assert admin.post(f"/api/clusters/local/namespaces/{namespace}/jobs/job-01/suspend").status_code == 200
    expect(page.locator("#conditions tbody")).to_contain_text("Suspended", timeout=TIMEOUT)


def test_html_in_a_description_is_shown_as_text_and_never_runs(page: Page, admin, admin_password, namespace):
    create_job(admin, namespace, "job-01", description='<img src=x onerror="window.__pwned=1"><b>bold</b>')
    sign_in(page, "admin", admin_password)
    page.goto(jobs_url(namespace))
    expect(row(page, "job-01")).to_contain_text('<img src=x onerror="window.__pwned=1"><b>bold</b>')
    page.goto(f"{jobs_url(namespace)}/job-01")
    expect(page.locator("#overview")).to_contain_text("<b>bold</b>")
    assert page.locator("#overview b, tr img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_the_admin_pages_render_for_the_admin(page: Page, admin_password, screenshots: Path):
    sign_in(page, "admin", admin_password)
    for path, heading in (("/admin/users", "Users"), ("/admin/grants", "Grants"), ("/admin/audit", "Audit log")):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        page.screenshot(path=screenshots / f"{path.rsplit('/', 1)[1]}.png")
    page.set_viewport_size({"width": 800, "height": 800})
    page.goto("/clusters")
    page.screenshot(path=screenshots / "clusters-800px.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
