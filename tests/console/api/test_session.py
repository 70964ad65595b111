"""Signing in and out, the two credentials (session cookie with CSRF, API token), and the first admin."""

from __future__ import annotations

import stat

import httpx

from jobyard.console.api import API_TEXTS

from .conftest import PASSWORD, add_user, sign_in, token_client, unique


def test_the_first_admin_password_is_in_a_0600_file_and_signs_in(console, data_dir):
    password_file = data_dir / "admin-password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert password_file.read_text().strip() == console.running.admin_password
    with sign_in(console.url, "admin", password_file.read_text().strip()) as browser:
        assert browser.get("/api/me").json()["user"]["isAdmin"] is True


def test_sign_in_sets_an_http_only_strict_cookie_and_sign_out_ends_it(console, admin):
    name = add_user(admin)
    with httpx.Client(base_url=console.url) as browser:
        response = browser.post("/api/session", json={"name": name, "password": PASSWORD})
        assert response.status_code == 201
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        csrf = response.json()["csrfToken"]

        me = browser.get("/api/me").json()
        assert (me["user"]["name"], me["csrfToken"]) == (name, csrf)

        assert browser.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        stolen = httpx.Client(base_url=console.url, cookies={"jobyard_session": response.cookies["jobyard_session"]})
        assert stolen.get("/api/me").status_code == 401
        stolen.close()


def test_without_credentials_the_answer_is_401_in_the_error_shape_and_the_callers_language(console):
    with httpx.Client(base_url=console.url) as anonymous:
        english = anonymous.get("/api/me")
        chinese = anonymous.get("/api/me", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert english.status_code == chinese.status_code == 401
    assert english.json() == {"code": "unauthenticated", "message": API_TEXTS["unauthenticated"].en, "fields": []}
    assert chinese.json()["message"] == API_TEXTS["unauthenticated"].zh


def test_a_cookie_session_change_without_the_csrf_header_is_refused(console, admin):
    name = add_user(admin)
    with sign_in(console.url, name, PASSWORD) as browser:
        csrf = browser.headers.pop("X-CSRF-Token")
        refused = browser.post("/api/tokens", json={"name": "cli"})
        forged = browser.post("/api/tokens", json={"name": "cli"}, headers={"X-CSRF-Token": "forged"})
        accepted = browser.post("/api/tokens", json={"name": "cli"}, headers={"X-CSRF-Token": csrf})
    assert (refused.status_code, refused.json()["code"]) == (403, "csrfMissing")
    assert forged.status_code == 403
    assert accepted.status_code == 201


def test_repeated_wrong_passwords_lock_the_name_out_even_for_the_right_one(console, admin):
    name = add_user(admin)
    with httpx.Client(base_url=console.url) as browser:
        wrong = [browser.post("/api/session", json={"name": name, "password": "wrong-password!"}) for _ in range(5)]
        locked = browser.post("/api/session", json={"name": name, "password": PASSWORD})
    assert [response.status_code for response in wrong] == [401] * 5
    assert wrong[0].json()["code"] == "invalidCredentials"
    assert (locked.status_code, locked.json()["code"]) == (429, "signInLocked")
    assert int(locked.headers["Retry-After"]) > 0


def test_an_api_token_is_shown_once_works_as_bearer_and_stops_when_revoked(console, admin):
    name = add_user(admin)
    with sign_in(console.url, name, PASSWORD) as browser:
        created = browser.post("/api/tokens", json={"name": "laptop"}).json()
        listed = browser.get("/api/tokens").json()
        assert created["token"].startswith(created["record"]["prefix"])
        assert [token["name"] for token in listed] == ["laptop"]
        assert "token" not in listed[0]

        with token_client(console.url, created["token"]) as cli:
            assert cli.get("/api/me").json()["user"]["name"] == name
            # A token is not a cookie: changes need no CSRF header.
            assert cli.post("/api/tokens", json={"name": "second"}).status_code == 201
            assert browser.delete(f"/api/tokens/{created['record']['id']}").status_code == 204
            assert cli.get("/api/me").status_code == 401


def test_a_new_password_ends_the_sessions_but_not_the_tokens(console, admin):
    name = add_user(admin)
    with sign_in(console.url, name, PASSWORD) as browser:
        token = browser.post("/api/tokens", json={"name": "ci"}).json()["token"]
        weak = browser.post("/api/me/password", json={"current": PASSWORD, "new": "short"})
        assert (weak.status_code, weak.json()["fields"][0]["path"]) == (422, "password")
        changed = browser.post("/api/me/password", json={"current": PASSWORD, "new": "another-long-secret"})
        assert changed.status_code == 204
        assert browser.get("/api/me").status_code == 401
    with token_client(console.url, token) as cli:
        assert cli.get("/api/me").status_code == 200


def test_only_the_admin_manages_users_and_a_disabled_user_is_signed_out(console, admin):
    name = add_user(admin)
    with sign_in(console.url, name, PASSWORD) as browser:
        refused = browser.post("/api/users", json={"name": unique("x"), "password": PASSWORD})
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        assert admin.post(f"/api/users/{name}/disable").status_code == 204
        assert browser.get("/api/me").status_code == 401
    listed = {user["name"]: user for user in admin.get("/api/users").json()}
    assert listed[name]["disabled"] is True


def test_the_openapi_documents_are_served(console):
    with httpx.Client(base_url=console.url) as anonymous:
        docs = anonymous.get("/api/docs")
        spec = anonymous.get("/api/openapi.json").json()
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/api/clusters/{cluster}/namespaces/{namespace}/jobs" in spec["paths"]


def test_an_unknown_path_answers_in_the_error_shape(console):
    with httpx.Client(base_url=console.url) as anonymous:
        response = anonymous.get("/api/nothing-here")
    assert (response.status_code, response.json()["code"]) == (404, "noRoute")
