"""Namespaces, ConfigMaps and Secrets through the API, on a real embedded cluster.

What the API answered is checked against the cluster itself, read with the cluster's own token:
a refusal must leave nothing there, and a Secret's values must reach the cluster and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from e2e.support import Api, path
from jobyard.console.forms import MESSAGES
from waiting import eventually

from .conftest import PASSWORD, add_user, sign_in, unique

SECRET_VALUE = "s3cr3t-value-that-must-not-leak"


@pytest.fixture(scope="module")
def cluster_api(kube_cluster) -> Iterator[Api]:
    api = Api(kube_cluster)
    yield api
    api.close()


def namespaces_url(cluster: str = "local") -> str:
    return f"/api/clusters/{cluster}/namespaces"


def in_namespace(namespace: str, plural: str, cluster: str = "local") -> str:
    return f"/api/clusters/{cluster}/namespaces/{namespace}/{plural}"


def denied(admin: httpx.Client, user: str) -> list[tuple[str, str | None, str | None]]:
    entries = admin.get("/api/audit", params={"user": user}).json()
    found = [(entry["action"], entry["namespace"], entry["target"]) for entry in entries if entry["result"] == "denied"]
    return sorted(found, key=lambda entry: tuple(part or "" for part in entry))


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


def field_messages(response: httpx.Response) -> dict[tuple[str, str], str]:
    return {(field["path"], field["code"]): field["message"] for field in response.json()["fields"]}


def assert_invalid_in_both_languages(send, expected: dict[str, str]) -> None:
    """``send(headers)`` is refused with 422 on exactly ``expected`` (path → code), worded in each language."""
    english, chinese = send({}), send({"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422, english.text
    assert english.json()["code"] == "invalid"
    en_fields, zh_fields = field_messages(english), field_messages(chinese)
    assert en_fields.keys() == set(expected.items())
    assert zh_fields.keys() == en_fields.keys()
    for (path_, code), message in en_fields.items():
        assert message == MESSAGES[code], path_
        assert has_chinese(zh_fields[(path_, code)])


# Namespaces


def test_a_namespace_is_created_with_its_labels_listed_and_deleted(admin, cluster_api):
    name = unique("team")
    created = admin.post(namespaces_url(), json={"name": name, "labels": {"team": "data", "tier": "batch"}})
    assert created.status_code == 201, created.text
    # Upstream adds kubernetes.io/metadata.name itself.
    assert created.json()["labels"] == {"team": "data", "tier": "batch", "kubernetes.io/metadata.name": name}
    assert cluster_api.get(f"/api/v1/namespaces/{name}")["metadata"]["labels"]["team"] == "data"
    assert name in [namespace["name"] for namespace in admin.get(namespaces_url()).json()]

    assert admin.delete(f"{namespaces_url()}/{name}").status_code == 204

    eventually(lambda: _expect(not cluster_api.exists(f"/api/v1/namespaces/{name}")))
    actions = [entry["action"] for entry in admin.get("/api/audit", params={"cluster": "local"}).json()]
    assert "namespace.create" in actions and "namespace.delete" in actions


def test_namespace_roles_see_only_their_namespaces_and_a_cluster_admin_sees_all(console, admin, namespace):
    other = admin.post(namespaces_url(), json={"name": unique("other")}).json()["name"]
    viewer = add_user(admin, "ns-viewer", namespace)
    cluster_admin = add_user(admin, "cluster-admin")
    with sign_in(console.url, viewer, PASSWORD) as browser:
        assert [ns["name"] for ns in browser.get(namespaces_url()).json()] == [namespace]
    with sign_in(console.url, cluster_admin, PASSWORD) as browser:
        assert {namespace, other, "default"} <= {ns["name"] for ns in browser.get(namespaces_url()).json()}


def test_an_editor_may_not_create_or_delete_namespaces_and_is_audited(console, admin, namespace, cluster_api):
    editor = add_user(admin, "ns-editor", namespace)
    name = unique("mine")
    with sign_in(console.url, editor, PASSWORD) as browser:
        created = browser.post(namespaces_url(), json={"name": name})
        deleted = browser.delete(f"{namespaces_url()}/{namespace}")
    assert (created.status_code, created.json()["code"]) == (403, "forbidden")
    assert (deleted.status_code, deleted.json()["code"]) == (403, "forbidden")
    assert denied(admin, editor) == [("namespace.create", None, name), ("namespace.delete", None, namespace)]
    assert not cluster_api.exists(f"/api/v1/namespaces/{name}")
    assert cluster_api.get(f"/api/v1/namespaces/{namespace}")["status"]["phase"] == "Active"


def test_a_user_without_a_role_on_the_cluster_may_not_list_its_namespaces(console, admin):
    nobody = add_user(admin)
    with sign_in(console.url, nobody, PASSWORD) as browser:
        response = browser.get(namespaces_url())
    assert response.status_code == 403
    assert denied(admin, nobody) == [("namespace.list", None, None)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Team_A"}, {"name": "dnsLabelInvalid"}),
        ({"name": "x" * 64}, {"name": "dnsLabelInvalid"}),
        ({"name": "ok-name", "labels": {"bad key!": "v"}}, {"labels.bad key!": "labelKeyInvalid"}),
        ({"name": "ok-name", "labels": {"team": "no spaces"}}, {"labels.team": "labelValueInvalid"}),
    ],
    ids=["uppercase and underscore", "too long", "label key", "label value"],
)
def test_a_bad_namespace_is_422_in_both_languages_and_not_created(admin, cluster_api, body, expected):
    assert_invalid_in_both_languages(lambda headers: admin.post(namespaces_url(), json=body, headers=headers), expected)
    if body["name"] == "ok-name":
        assert not cluster_api.exists("/api/v1/namespaces/ok-name")


def test_a_namespace_body_of_the_wrong_shape_is_422_not_500(admin):
    response = admin.post(namespaces_url(), json={"name": "fine-name", "labels": ["a", "b"]})
    assert response.status_code == 422
    assert [field["path"] for field in response.json()["fields"]] == ["labels"]


def test_an_existing_namespace_is_a_409(admin, namespace):
    response = admin.post(namespaces_url(), json={"name": namespace})
    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_an_unknown_cluster_is_404(admin):
    response = admin.get(namespaces_url("nowhere"))
    assert (response.status_code, response.json()["code"]) == (404, "unknownCluster")


# ConfigMaps


def test_an_editor_creates_a_configmap_and_a_viewer_lists_its_keys(console, admin, namespace, cluster_api):
    editor = add_user(admin, "ns-editor", namespace)
    viewer = add_user(admin, "ns-viewer", namespace)
    with sign_in(console.url, editor, PASSWORD) as browser:
        created = browser.post(
            in_namespace(namespace, "configmaps"), json={"name": "settings", "data": {"a.conf": "x=1", "B_KEY": "2"}}
        )
    assert created.status_code == 201, created.text
    assert (created.json()["name"], created.json()["keys"]) == ("settings", ["B_KEY", "a.conf"])
    stored = cluster_api.get(path(namespace, "configmaps", "settings"))
    assert stored["data"] == {"a.conf": "x=1", "B_KEY": "2"}
    with sign_in(console.url, viewer, PASSWORD) as browser:
        listed = browser.get(in_namespace(namespace, "configmaps")).json()
        refused = browser.post(in_namespace(namespace, "configmaps"), json={"name": "mine"})
    assert [(configmap["name"], configmap["keys"]) for configmap in listed] == [("settings", ["B_KEY", "a.conf"])]
    assert refused.status_code == 403
    assert denied(admin, viewer) == [("configmap.create", namespace, "mine")]
    assert not cluster_api.exists(path(namespace, "configmaps", "mine"))


def test_configmaps_of_a_namespace_without_a_role_are_refused(console, admin, namespace):
    elsewhere = add_user(admin, "ns-editor", "default")
    with sign_in(console.url, elsewhere, PASSWORD) as browser:
        listed = browser.get(in_namespace(namespace, "configmaps"))
        created = browser.post(in_namespace(namespace, "configmaps"), json={"name": "sneaky"})
    assert [listed.status_code, created.status_code] == [403, 403]
    assert denied(admin, elsewhere) == [
        ("configmap.create", namespace, "sneaky"),
        ("configmap.list", namespace, None),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "Bad_Name"}, {"name": "objectNameInvalid"}),
        ({"name": "fine", "data": {"no spaces": "v"}}, {"data.no spaces": "keyInvalid"}),
        ({"name": "fine", "data": {"..": "v"}}, {"data...": "keyInvalid"}),
    ],
    ids=["name", "key with a space", "key of dots"],
)
def test_a_bad_configmap_is_422_in_both_languages_and_not_stored(admin, namespace, cluster_api, body, expected):
    url = in_namespace(namespace, "configmaps")
    assert_invalid_in_both_languages(lambda headers: admin.post(url, json=body, headers=headers), expected)
    assert not cluster_api.exists(path(namespace, "configmaps", body["name"]))


def test_a_configmap_with_a_taken_name_is_409_and_keeps_the_first(admin, namespace, cluster_api):
    url = in_namespace(namespace, "configmaps")
    assert admin.post(url, json={"name": "once", "data": {"k": "first"}}).status_code == 201
    again = admin.post(url, json={"name": "once", "data": {"k": "second"}})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert cluster_api.get(path(namespace, "configmaps", "once"))["data"] == {"k": "first"}


# Secrets


def test_a_secrets_values_reach_the_cluster_and_no_response_or_audit_entry(console, admin, namespace, cluster_api):
    editor = add_user(admin, "ns-editor", namespace)
    url = in_namespace(namespace, "secrets")
    with sign_in(console.url, editor, PASSWORD) as browser:
        created = browser.post(url, json={"name": "db", "data": {"password": SECRET_VALUE, "user": "app"}})
        listed = browser.get(url)
        again = browser.post(url, json={"name": "db", "data": {"password": SECRET_VALUE}})
        invalid = browser.post(url, json={"name": "Bad_Name", "data": {"password": SECRET_VALUE}})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["type"], body["keys"]) == ("db", "Opaque", ["password", "user"])
    assert [(secret["name"], secret["keys"]) for secret in listed.json()] == [("db", ["password", "user"])]
    assert (again.status_code, invalid.status_code) == (409, 422)
    stored = cluster_api.get(path(namespace, "secrets", "db"))
    assert base64.b64decode(stored["data"]["password"]).decode() == SECRET_VALUE
    encoded = base64.b64encode(SECRET_VALUE.encode()).decode()
    audit = admin.get("/api/audit", params={"namespace": namespace}).text
    for text in (created.text, listed.text, again.text, invalid.text, audit):
        assert SECRET_VALUE not in text and encoded not in text
    assert "secret.create" in audit


def test_a_viewer_sees_no_secrets_and_the_refusal_is_audited(console, admin, namespace):
    assert (
        admin.post(in_namespace(namespace, "secrets"), json={"name": "token", "data": {"t": SECRET_VALUE}}).status_code
        == 201
    )
    viewer = add_user(admin, "ns-viewer", namespace)
    with sign_in(console.url, viewer, PASSWORD) as browser:
        listed = browser.get(in_namespace(namespace, "secrets"))
        created = browser.post(in_namespace(namespace, "secrets"), json={"name": "mine", "data": {"t": "x"}})
    assert (listed.status_code, listed.json()["code"]) == (403, "forbidden")
    assert created.status_code == 403
    assert SECRET_VALUE not in listed.text
    assert denied(admin, viewer) == [("secret.create", namespace, "mine"), ("secret.list", namespace, None)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "-starts-with-dash", "data": {"k": SECRET_VALUE}}, {"name": "objectNameInvalid"}),
        ({"name": "fine", "data": {"a/b": SECRET_VALUE}}, {"data.a/b": "keyInvalid"}),
    ],
    ids=["name", "key with a slash"],
)
def test_a_bad_secret_is_422_in_both_languages_not_stored_and_not_echoed(admin, namespace, cluster_api, body, expected):
    url = in_namespace(namespace, "secrets")
    assert_invalid_in_both_languages(lambda headers: admin.post(url, json=body, headers=headers), expected)
    assert SECRET_VALUE not in admin.post(url, json=body).text
    assert cluster_api.get(path(namespace, "secrets"))["items"] == []


def test_a_secret_value_of_the_wrong_type_is_422_without_the_value(admin, namespace):
    response = admin.post(in_namespace(namespace, "secrets"), json={"name": "fine", "data": {"k": [SECRET_VALUE]}})
    assert response.status_code == 422
    assert [field["path"] for field in response.json()["fields"]] == ["data.k"]
    assert SECRET_VALUE not in response.text


# Unauthenticated


@pytest.mark.parametrize(
    ("method", "plural"),
    [
        ("GET", None),
        ("POST", None),
        ("DELETE", None),
        ("GET", "configmaps"),
        ("POST", "configmaps"),
        ("GET", "secrets"),
        ("POST", "secrets"),
    ],
)
def test_without_credentials_resource_calls_are_401_and_change_nothing(console, cluster_api, method, plural):
    name = unique("anon")
    if plural is None:
        url = namespaces_url() + ("/default" if method == "DELETE" else "")
    else:
        url = in_namespace("default", plural)
    with httpx.Client(base_url=console.url) as anonymous:
        response = anonymous.request(method, url, json={"name": name, "data": {"k": "v"}} if method == "POST" else None)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert not cluster_api.exists(f"/api/v1/namespaces/{name}")
    assert cluster_api.get("/api/v1/namespaces/default")["status"]["phase"] == "Active"


def _expect(condition: bool) -> None:
    assert condition
