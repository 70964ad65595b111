"""ConfigMaps & Secrets, Services and Permissions pages over HTTP (no browser): who sees what, twins, no Secret value.

Each page renders its JSON twin's read for the same caller, so each test sets the scene through
the API as the admin and reads the page as the user whose role it is about.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from jobyard.console.api import NodeImageOut
from jobyard.console.web import Pages

from .conftest import PASSWORD, create_job, user_with, web_client
from .test_wizard_routes import Wizard

SECRET_VALUE = "s3cr3t-value-that-must-not-leak"
SERVICE = {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}


@pytest.fixture
def admin_web(console, admin_password) -> httpx.Client:
    with web_client(console.url, "admin", admin_password) as client:
        yield client


def pages_of(namespace: str) -> list[str]:
    inside = f"/clusters/local/namespaces/{namespace}"
    return [f"{inside}/configs", f"{inside}/services", f"{inside}/permissions", "/clusters/local/permissions"]


def with_secret(admin: httpx.Client, namespace: str) -> None:
    url = f"/api/clusters/local/namespaces/{namespace}"
    assert admin.post(f"{url}/configmaps", json={"name": "settings", "data": {"mode": "fast"}}).status_code == 201
    assert admin.post(f"{url}/secrets", json={"name": "token", "data": {"api-key": SECRET_VALUE}}).status_code == 201
    pull = {"name": "pull", "server": "registry.example.com", "username": "bob", "password": SECRET_VALUE}
    assert admin.post(f"{url}/pull-secrets", json=pull).status_code == 201


def assert_no_secret_value(html: str) -> None:
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    assert SECRET_VALUE not in html and encoded not in html


def test_every_new_page_answers_the_admin_and_names_a_json_twin_that_answers_too(admin_web, namespace):
    for page in pages_of(namespace):
        response = admin_web.get(page)
        assert response.status_code == 200, (page, response.text[:500])
        link = response.headers["link"]
        twin = link[link.index("<") + 1 : link.index(">")]
        assert link.endswith('rel="alternate"; type="application/json"'), link
        assert f'<link rel="alternate" type="application/json" href="{twin.replace("&", "&amp;")}">' in response.text
        assert admin_web.get(twin).headers["content-type"] == "application/json", twin


def test_the_side_menu_opens_configs_and_services_in_the_namespace_chosen(admin_web, namespace):
    for tail in ("configs", "services"):
        response = admin_web.get(f"/clusters/local/{tail}", params={"namespace": namespace})
        assert (response.status_code, response.headers["location"]) == (
            303,
            f"/clusters/local/namespaces/{namespace}/{tail}",
        )
    menu = admin_web.get(f"/clusters/local/namespaces/{namespace}/configs").text
    for entry in ("ConfigMaps & Secrets", "Services", "Permissions"):
        assert f">{entry}</a>" in menu, entry


def test_an_editor_sees_secrets_by_name_type_and_keys_but_never_a_value(console, admin, namespace):
    with_secret(admin, namespace)
    editor = user_with(admin, "ns-editor", namespace)
    with web_client(console.url, editor, PASSWORD) as browser:
        page = browser.get(f"/clusters/local/namespaces/{namespace}/configs")
    assert page.status_code == 200
    assert 'data-configmap="settings"' in page.text and ">mode<" in page.text
    assert 'data-secret="token"' in page.text and ">api-key<" in page.text
    assert "kubernetes.io/dockerconfigjson" in page.text and ">.dockerconfigjson<" in page.text
    for dialog in ("configmap-dialog", "secret-dialog", "pull-secret-dialog"):
        assert f'id="{dialog}"' in page.text, dialog
    assert_no_secret_value(page.text)


def test_a_viewer_sees_configmaps_but_no_secrets_and_no_create_buttons(console, admin, namespace):
    with_secret(admin, namespace)
    viewer = user_with(admin, "ns-viewer", namespace)
    with web_client(console.url, viewer, PASSWORD) as browser:
        page = browser.get(f"/clusters/local/namespaces/{namespace}/configs")
        twin = browser.get(f"/api/clusters/local/namespaces/{namespace}/configmaps")
    assert page.status_code == twin.status_code == 200
    assert 'data-configmap="settings"' in page.text
    assert 'id="secrets"' not in page.text and 'data-secret="' not in page.text and ">token<" not in page.text
    assert "data-open=" not in page.text and '<dialog id="configmap-dialog"' not in page.text
    assert ">Permissions</a>" not in page.text
    assert_no_secret_value(page.text)


def test_configs_of_a_namespace_without_a_role_there_are_refused(console, admin, namespace):
    stranger = user_with(admin, "ns-editor", f"{namespace}-elsewhere")
    with web_client(console.url, stranger, PASSWORD) as browser:
        for page in pages_of(namespace):
            assert browser.get(page).status_code == 403, page


def test_a_block_alone_answers_htmx_after_a_create(admin, admin_web, namespace):
    with_secret(admin, namespace)
    url = f"/clusters/local/namespaces/{namespace}/configs"
    block = admin_web.get(url, headers={"HX-Request": "true", "HX-Target": "secrets"})
    assert block.text.lstrip().startswith('<section id="secrets"') and "<html" not in block.text
    assert 'data-secret="token"' in block.text
    assert_no_secret_value(block.text)


def test_the_services_page_and_the_jobs_page_show_the_service_made_with_the_job(admin, admin_web, namespace):
    create_job(admin, namespace, "job-svc", service=SERVICE)
    create_job(admin, namespace, "job-bare")
    services = admin_web.get(f"/clusters/local/namespaces/{namespace}/services")
    assert 'data-service="job-svc"' in services.text
    assert "http: 80/TCP → 8080" in services.text and "node port 3" in services.text
    assert "app=job-svc" in services.text and "No pod serves it now." in services.text
    jobs = f"/clusters/local/namespaces/{namespace}/jobs"
    detail = admin_web.get(f"{jobs}/job-svc")
    assert 'id="job-service"' in detail.text and 'data-service="job-svc"' in detail.text
    assert 'id="job-service"' not in admin_web.get(f"{jobs}/job-bare").text
    refreshed = admin_web.get(f"{jobs}/job-svc", headers={"HX-Request": "true", "HX-Target": "job-service"})
    assert refreshed.text.lstrip().startswith('<section id="job-service"') and "<html" not in refreshed.text


def test_an_ns_admin_grants_namespace_roles_only_and_is_taken_to_their_namespace(console, admin, namespace):
    ns_admin = user_with(admin, "ns-admin", namespace)
    viewer = user_with(admin, "ns-viewer", namespace)
    with web_client(console.url, ns_admin, PASSWORD) as browser:
        page = browser.get(f"/clusters/local/namespaces/{namespace}/permissions")
        cluster_wide = browser.get("/clusters/local/permissions", follow_redirects=False)
        jobs = browser.get(f"/clusters/local/namespaces/{namespace}/jobs")
    assert page.status_code == 200
    assert f'data-grant="{viewer}"' in page.text
    assert 'value="ns-editor"' in page.text and 'value="ns-viewer"' in page.text
    assert 'value="ns-admin"' not in page.text and 'value="cluster-admin"' not in page.text
    assert cluster_wide.headers["location"] == f"/clusters/local/namespaces/{namespace}/permissions"
    assert ">Permissions</a>" in jobs.text


def test_the_cluster_permissions_page_offers_cluster_admin_to_the_admin(admin_web, namespace):
    page = admin_web.get("/clusters/local/permissions").text
    assert 'value="cluster-admin"' in page and 'value="ns-admin"' in page
    assert f'<option value="{namespace}">' in page


def test_editors_and_viewers_are_refused_the_permissions_pages(console, admin, namespace):
    for role in ("ns-editor", "ns-viewer"):
        user = user_with(admin, role, namespace)
        with web_client(console.url, user, PASSWORD) as browser:
            for page in (f"/clusters/local/namespaces/{namespace}/permissions", "/clusters/local/permissions"):
                assert browser.get(page).status_code == 403, (role, page)


def test_the_wizard_offers_to_create_a_pull_secret_only_to_those_who_may(console, admin, namespace):
    editor = user_with(admin, "ns-editor", namespace)
    new = f"/clusters/local/namespaces/{namespace}/jobs/new"
    with web_client(console.url, editor, PASSWORD) as browser:
        wizard = Wizard(browser, namespace)
        opened = wizard.page
        step = wizard.press("next", {"name": "job-pull", "instances": "1", "description": ""})
        picker = browser.get(f"{new}/images")
    assert step.status_code == 200 and wizard.step == 1
    assert 'id="pull-secret-dialog"' in opened and "data-create-pull-secret=" in step.text
    assert f'data-url="/api/clusters/local/namespaces/{namespace}/pull-secrets"' in step.text
    assert picker.status_code == 200
    viewer = user_with(admin, "ns-viewer", namespace)
    with web_client(console.url, viewer, PASSWORD) as browser:
        assert browser.get(new).status_code == 403


def test_the_image_picker_lists_the_images_on_the_nodes_first():
    image = NodeImageOut(name="busybox:1.36", names=["busybox:1.36"], size_bytes=1_048_576, nodes=["node-1"])
    picker = {"registry": "", "repository": "", "items": [], "error": "", "node_images": [image]}
    html = Pages().render("zh-CN", "wizard/wizard.html", {"picker": picker, "base": "/x"}, block="images")
    assert "集群节点上已有的镜像" in html
    assert 'data-image="busybox:1.36"' in html and "1.0 MiB" in html
