"""The web routes over HTTP (no browser): who sees which page, the JSON twins, the language, CSRF, live rows."""

from __future__ import annotations

import httpx
import pytest

from jobyard.console.api import SESSION_COOKIE

from .conftest import PASSWORD, create_job, user_with, web_client


def pages_of(namespace: str) -> list[str]:
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"
    return [
        "/clusters",
        "/clusters/local",
        "/clusters/local/namespaces",
        jobs,
        f"{jobs}/job-01",
        "/admin/users",
        "/admin/grants",
        "/admin/audit",
    ]


@pytest.fixture
def admin_web(console, admin_password) -> httpx.Client:
    with web_client(console.url, "admin", admin_password) as client:
        yield client


def test_every_page_answers_the_admin_and_names_a_json_twin_that_answers_too(admin, admin_web, namespace):
    create_job(admin, namespace, "job-01")
    for page in pages_of(namespace):
        response = admin_web.get(page)
        assert response.status_code == 200, (page, response.text[:500])
        assert response.headers["content-type"].startswith("text/html")
        link = response.headers["link"]
        twin = link[link.index("<") + 1 : link.index(">")]
        assert link.endswith('rel="alternate"; type="application/json"'), link
        assert f'<link rel="alternate" type="application/json" href="{twin}">' in response.text
        assert admin_web.get(twin).headers["content-type"] == "application/json", twin


def test_without_a_session_every_page_sends_the_browser_to_sign_in_and_back(console, namespace):
    with httpx.Client(base_url=console.url) as anonymous:
        for page in pages_of(namespace):
            response = anonymous.get(page)
            assert response.status_code == 303, page
            assert response.headers["location"].startswith("/sign-in?next=%2F"), page
        htmx = anonymous.get("/clusters", headers={"HX-Request": "true"})
        assert htmx.headers["HX-Redirect"] == "/sign-in?next=%2Fclusters"


def test_a_viewer_is_refused_admin_pages_and_other_namespaces_and_sees_no_actions(console, admin, namespace):
    create_job(admin, namespace, "job-01")
    viewer = user_with(admin, "ns-viewer", namespace)
    other = admin.post("/api/clusters/local/namespaces", json={"name": f"{namespace}-other"})
    assert other.status_code == 201
    with web_client(console.url, viewer, PASSWORD) as browser:
        for page in ("/admin/users", "/admin/audit", f"/clusters/local/namespaces/{namespace}-other/jobs"):
            assert browser.get(page).status_code == 403, page
        jobs = browser.get(f"/clusters/local/namespaces/{namespace}/jobs")
        job = browser.get(f"/clusters/local/namespaces/{namespace}/jobs/job-01")
        namespaces = browser.get("/clusters/local/namespaces")
    assert jobs.status_code == job.status_code == 200
    for page in (jobs.text, job.text):
        assert "data-api=" not in page and "data-delete=" not in page
        assert "/jobs/new" not in page
    assert f"{namespace}-other" not in namespaces.text
    assert "namespace-dialog" not in namespaces.text


def test_a_user_without_grants_sees_no_cluster(console, admin):
    loner = user_with(admin, "ns-viewer", "nowhere")
    assert admin.delete(
        "/api/grants", params={"user": loner, "role": "ns-viewer", "cluster": "local", "namespace": "nowhere"}
    ).status_code in (204, 404)
    with web_client(console.url, loner, PASSWORD) as browser:
        listing = browser.get("/clusters")
        assert browser.get("/clusters/local").status_code == 404
    assert 'href="/clusters/local"' not in listing.text


def test_the_editor_is_offered_the_actions_a_jobs_state_allows(console, admin, namespace):
    create_job(admin, namespace, "job-01")
    assert admin.post(f"/api/clusters/local/namespaces/{namespace}/jobs/job-01/suspend").status_code == 200
    editor = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, editor, PASSWORD) as browser:
        row = browser.get(f"/clusters/local/namespaces/{namespace}/jobs").text
    assert "/job-01/resume" in row and "/job-01/suspend" not in row and "/job-01/rerun" not in row
    assert 'data-delete="/api/clusters/local/namespaces/' in row
    assert f"/clusters/local/namespaces/{namespace}/jobs/new" in row


def test_the_edit_button_and_dialog_are_there_for_an_editor_and_not_for_a_viewer(console, admin, namespace):
    create_job(admin, namespace, "job-01")
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"
    edit = f'data-edit="/api{jobs}/job-01"'
    for role, offered in (("ns-editor", True), ("ns-viewer", False)):
        with web_client(console.url, user_with(admin, role, namespace), PASSWORD) as browser:
            for page in (browser.get(jobs).text, browser.get(f"{jobs}/job-01").text):
                assert (edit in page) is offered, role
                assert ('id="edit-dialog"' in page) is offered, role
                assert ('name="ttlSecondsAfterFinished"' in page) is offered, role


def test_search_status_filter_and_the_htmx_panel_come_from_the_same_template(admin, admin_web, namespace):
    create_job(admin, namespace, "alpha")
    create_job(admin, namespace, "beta")
    assert admin.post(f"/api/clusters/local/namespaces/{namespace}/jobs/beta/suspend").status_code == 200
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"

    suspended = admin_web.get(jobs, params={"status": "Suspended"}).text
    searched = admin_web.get(jobs, params={"q": "alp"}).text
    panel = admin_web.get(jobs, params={"q": "alp"}, headers={"HX-Request": "true", "HX-Target": "jobs-panel"})

    assert 'data-job="beta"' in suspended and 'data-job="alpha"' not in suspended
    assert 'data-job="alpha"' in searched and 'data-job="beta"' not in searched
    assert panel.text.lstrip().startswith("<form") and "<html" not in panel.text
    assert 'data-job="alpha"' in panel.text


def test_the_live_list_streams_the_rows_block_again_after_a_change(admin, admin_web, namespace):
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"
    with admin_web.stream("GET", f"{jobs}/live", headers={"Accept": "text/event-stream"}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        first = _next_event(lines)
        assert first["event"] == "rows" and "<table" in first["data"] and "job-01" not in first["data"]
        create_job(admin, namespace, "job-01")
        changed = _next_event(lines)
    assert 'data-job="job-01"' in changed["data"]


def _next_event(lines) -> dict[str, str]:
    event: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in event:
                return event
            event = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[key] = event[key] + "\n" + value if key in event else value
    raise AssertionError("the stream ended")


def test_the_language_is_the_cookies_else_the_browsers(console, admin_password):
    with web_client(console.url, "admin", admin_password, **{"Accept-Language": "zh-CN,zh;q=0.9"}) as browser:
        assert "集群列表" in browser.get("/clusters").text
        chosen = browser.get("/language/en", params={"next": "/admin/users"})
        assert (chosen.status_code, chosen.headers["location"]) == (303, "/admin/users")
        english = browser.get("/clusters")
    assert "Cluster list" in english.text and english.headers["content-language"] == "en"


def test_only_a_local_path_is_a_place_to_return_to(console):
    with httpx.Client(base_url=console.url) as anonymous:
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            response = anonymous.get("/language/zh-CN", params={"next": target})
            assert response.headers["location"] == "/clusters", target


def test_a_wrong_password_is_refused_in_the_pages_language(console):
    with httpx.Client(base_url=console.url, headers={"Accept-Language": "zh-CN"}) as anonymous:
        refused = anonymous.post("/sign-in", data={"name": "admin", "password": "wrong-password"})
    assert refused.status_code == 401
    assert "用户名或密码错误" in refused.text
    assert SESSION_COOKIE not in refused.cookies


def test_signing_out_needs_the_sessions_csrf_token(console, admin_password):
    with web_client(console.url, "admin", admin_password) as browser:
        assert browser.post("/sign-out", data={"csrf_token": "forged"}).status_code == 403
        assert browser.get("/clusters").status_code == 200
        token = browser.get("/api/me").json()["csrfToken"]
        out = browser.post("/sign-out", data={"csrf_token": token})
        assert (out.status_code, out.headers["location"]) == (303, "/sign-in")
        browser.cookies.clear()
    with httpx.Client(base_url=console.url, cookies={SESSION_COOKIE: "gone"}) as stale:
        assert stale.get("/clusters").status_code == 303


def test_the_api_keeps_its_own_json_404_and_405_under_the_web_mount(console):
    with httpx.Client(base_url=console.url) as client:
        missing = client.get("/api/no-such-thing")
        wrong_method = client.put("/api/session")
        page_missing = client.get("/no-such-page")
    assert (missing.status_code, missing.json()["code"]) == (404, "noRoute")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == "application/json"
    assert page_missing.status_code == 404 and page_missing.headers["content-type"].startswith("text/html")


def test_the_merged_log_of_a_job_without_started_pods_is_empty_but_answers(admin, admin_web, namespace):
    create_job(admin, namespace, "job-01")
    response = admin_web.get(f"/clusters/local/namespaces/{namespace}/jobs/job-01/logs", params={"download": "1"})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="job-01-logs.log"'
