"""Image registries through the API, against real docker-registry processes: list, browse, and make pull Secrets."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from e2e.support import Api, path
from jobyard.console.forms import MESSAGES
from jobyard.console.resources import RESOURCE_MESSAGES

from .conftest import PASSWORD, add_user, sign_in, unique


@pytest.fixture(scope="module")
def cluster_api(kube_cluster) -> Iterator[Api]:
    api = Api(kube_cluster)
    yield api
    api.close()


@pytest.fixture(scope="module")
def pushed(auth_registry, busybox_image, tmp_path_factory):
    """busybox in the open registry (``busybox_image``) and as ``private/tool:v1`` behind basic auth."""
    from imagetools import busybox_layout

    layout = busybox_layout(tmp_path_factory.mktemp("layout") / "layout")
    auth_registry.push(layout, "private/tool:v1")
    return busybox_image


@pytest.fixture
def open_registry(admin, image_registry, pushed) -> str:
    name = unique("open")
    response = admin.post("/api/registries", json={"name": name, "url": f"http://{image_registry.host}"})
    assert response.status_code == 201, response.text
    return name


@pytest.fixture
def private_registry(admin, auth_registry, pushed) -> str:
    name = unique("private")
    body = {
        "name": name,
        "url": f"http://{auth_registry.host}",
        "username": auth_registry.username,
        "password": auth_registry.password,
    }
    response = admin.post("/api/registries", json=body)
    assert response.status_code == 201, response.text
    assert auth_registry.password not in response.text
    return name


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


def denied(admin: httpx.Client, user: str) -> list[tuple[str, str | None, str | None]]:
    entries = admin.get("/api/audit", params={"user": user}).json()
    found = [(entry["action"], entry["namespace"], entry["target"]) for entry in entries if entry["result"] == "denied"]
    return sorted(found, key=lambda entry: tuple(part or "" for part in entry))


def test_an_open_registry_is_listed_with_its_repositories_and_tags(admin, image_registry, open_registry, pushed):
    (listed,) = [registry for registry in admin.get("/api/registries").json() if registry["name"] == open_registry]
    assert listed == {
        "name": open_registry,
        "url": f"http://{image_registry.host}",
        "username": None,
        "hasPassword": False,
        "server": image_registry.host,
    }
    repository = pushed.split("/", 1)[1].split(":")[0]
    repositories = admin.get(f"/api/registries/{open_registry}/repositories")
    assert repositories.status_code == 200, repositories.text
    assert repository in repositories.json()
    tags = admin.get(f"/api/registries/{open_registry}/tags", params={"repository": repository})
    assert tags.json() == [pushed.rsplit(":", 1)[1]]


def test_a_private_registrys_password_is_used_but_never_shown(admin, auth_registry, private_registry):
    listed = admin.get("/api/registries")
    assert auth_registry.password not in listed.text
    (mine,) = [registry for registry in listed.json() if registry["name"] == private_registry]
    assert (mine["username"], mine["hasPassword"]) == (auth_registry.username, True)
    assert "private/tool" in admin.get(f"/api/registries/{private_registry}/repositories").json()
    assert admin.get(f"/api/registries/{private_registry}/tags", params={"repository": "private/tool"}).json() == ["v1"]


def test_a_pull_secret_from_a_registry_carries_its_credentials_to_the_cluster_only(
    console, admin, auth_registry, private_registry, namespace, cluster_api
):
    editor = add_user(admin, "ns-editor", namespace)
    body = {"cluster": "local", "namespace": namespace, "secretName": "pull"}
    with sign_in(console.url, editor, PASSWORD) as browser:
        created = browser.post(f"/api/registries/{private_registry}/pull-secrets", json=body)
        listed = browser.get(f"/api/clusters/local/namespaces/{namespace}/secrets")
    assert created.status_code == 201, created.text
    assert (created.json()["type"], created.json()["keys"]) == ("kubernetes.io/dockerconfigjson", [".dockerconfigjson"])
    stored = cluster_api.get(path(namespace, "secrets", "pull"))
    config = json.loads(base64.b64decode(stored["data"][".dockerconfigjson"]))
    assert config["auths"][auth_registry.host]["password"] == auth_registry.password
    audit = admin.get("/api/audit", params={"namespace": namespace}).text
    for text in (created.text, listed.text, audit):
        assert auth_registry.password not in text
        assert stored["data"][".dockerconfigjson"] not in text


def test_an_editor_may_not_make_a_pull_secret_in_another_namespace(
    console, admin, private_registry, namespace, cluster_api
):
    editor = add_user(admin, "ns-editor", "default")
    body = {"cluster": "local", "namespace": namespace, "secretName": "pull"}
    with sign_in(console.url, editor, PASSWORD) as browser:
        refused = browser.post(f"/api/registries/{private_registry}/pull-secrets", json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert denied(admin, editor) == [("secret.create", namespace, "pull")]
    assert not cluster_api.exists(path(namespace, "secrets", "pull"))


def test_a_registry_without_credentials_makes_no_pull_secret(admin, open_registry, namespace, cluster_api):
    body = {"cluster": "local", "namespace": namespace, "secretName": "pull"}
    refused = admin.post(f"/api/registries/{open_registry}/pull-secrets", json=body)
    assert (refused.status_code, refused.json()["code"]) == (409, "registryNoCredentials")
    assert not cluster_api.exists(path(namespace, "secrets", "pull"))


def test_a_bad_pull_secret_name_is_422_in_both_languages(admin, private_registry, namespace, cluster_api):
    body = {"cluster": "local", "namespace": namespace, "secretName": "Pull_Secret"}
    url = f"/api/registries/{private_registry}/pull-secrets"
    english = admin.post(url, json=body)
    chinese = admin.post(url, json=body, headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    assert [(field["path"], field["message"]) for field in english.json()["fields"]] == [
        ("secretName", MESSAGES["objectNameInvalid"])
    ]
    assert has_chinese(chinese.json()["fields"][0]["message"])
    assert cluster_api.get(path(namespace, "secrets"))["items"] == []


def test_only_the_admin_adds_and_removes_registries_and_viewers_see_none(console, admin, open_registry, namespace):
    editor = add_user(admin, "ns-editor", namespace)
    viewer = add_user(admin, "ns-viewer", namespace)
    mine = unique("mine")
    with sign_in(console.url, editor, PASSWORD) as browser:
        assert open_registry in [registry["name"] for registry in browser.get("/api/registries").json()]
        added = browser.post("/api/registries", json={"name": mine, "url": "registry.example.com"})
        removed = browser.delete(f"/api/registries/{open_registry}")
    with sign_in(console.url, viewer, PASSWORD) as browser:
        listed = browser.get("/api/registries")
        repositories = browser.get(f"/api/registries/{open_registry}/repositories")
    assert [response.status_code for response in (added, removed, listed, repositories)] == [403] * 4
    assert denied(admin, editor) == [("registry.add", None, mine), ("registry.remove", None, open_registry)]
    assert denied(admin, viewer) == [("registry.list", None, None), ("registry.list", None, open_registry)]
    names = [registry["name"] for registry in admin.get("/api/registries").json()]
    assert open_registry in names and mine not in names


def test_a_removed_registry_is_gone(admin, open_registry):
    assert admin.delete(f"/api/registries/{open_registry}").status_code == 204
    assert open_registry not in [registry["name"] for registry in admin.get("/api/registries").json()]
    gone = admin.get(f"/api/registries/{open_registry}/repositories")
    assert (gone.status_code, gone.json()["code"]) == (404, "registryUnknown")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "Bad_Name", "url": "registry.example.com"}, "name", "registryNameInvalid"),
        ({"name": "fine-name", "url": "ftp://registry.example.com"}, "url", "registryUrlInvalid"),
        ({"name": "fine-name", "url": "https://"}, "url", "registryUrlInvalid"),
        ({"name": "fine-name", "url": "registry.example.com:99999"}, "url", "registryUrlInvalid"),
    ],
    ids=["name", "scheme", "no host", "port out of range"],
)
def test_a_bad_registry_is_422_on_its_field_in_both_languages_and_not_kept(admin, body, field, code):
    english = admin.post("/api/registries", json=body)
    chinese = admin.post("/api/registries", json=body, headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    assert [(item["path"], item["code"], item["message"]) for item in english.json()["fields"]] == [
        (field, code, RESOURCE_MESSAGES[code])
    ]
    assert has_chinese(chinese.json()["fields"][0]["message"])
    assert body["name"] not in [registry["name"] for registry in admin.get("/api/registries").json()]


def test_a_taken_registry_name_is_409(admin, open_registry):
    response = admin.post("/api/registries", json={"name": open_registry, "url": "registry.example.com"})
    assert (response.status_code, response.json()["code"]) == (409, "registryNameTaken")


def test_wrong_credentials_and_a_dead_registry_are_clear_errors_not_500(admin, auth_registry):
    wrong, dead = unique("wrong"), unique("dead")
    body = {"name": wrong, "url": f"http://{auth_registry.host}", "username": auth_registry.username, "password": "no"}
    assert admin.post("/api/registries", json=body).status_code == 201
    assert admin.post("/api/registries", json={"name": dead, "url": "http://127.0.0.1:1"}).status_code == 201
    refused = admin.get(f"/api/registries/{wrong}/repositories", headers={"Accept-Language": "zh-CN"})
    unreachable = admin.get(f"/api/registries/{dead}/tags", params={"repository": "x"})
    assert (refused.status_code, refused.json()["code"]) == (502, "registryUnauthorized")
    assert refused.json()["message"].startswith(f"镜像仓库 {wrong} 拒绝了凭证")
    assert (unreachable.status_code, unreachable.json()["code"]) == (502, "registryUnreachable")


def test_tags_without_a_repository_is_422(admin, open_registry):
    response = admin.get(f"/api/registries/{open_registry}/tags")
    assert response.status_code == 422
    assert [field["path"] for field in response.json()["fields"]] == ["repository"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/api/registries"),
        ("POST", "/api/registries"),
        ("DELETE", "/api/registries/any"),
        ("GET", "/api/registries/any/repositories"),
        ("GET", "/api/registries/any/tags?repository=x"),
        ("POST", "/api/registries/any/pull-secrets"),
    ],
)
def test_without_credentials_registry_calls_are_401(console, method, url):
    with httpx.Client(base_url=console.url) as anonymous:
        response = anonymous.request(method, url, json={} if method == "POST" else None)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
