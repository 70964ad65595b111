"""Clusters through the API: list, validate, join and remove, on a real embedded cluster and stand-in API servers.

Joining needs a second cluster; the module's own cluster, joined again under another name, is
one as far as the console can tell (it reaches clusters only by kubeconfig).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from conftest import free_port
from console.clusters.support import Certificates, StandInApiServer, kubeconfig, rbac_cluster, with_token
from jobyard.console.api import API_TEXTS
from jobyard.console.clusters import CLUSTER_MESSAGES
from jobyard.console.forms import MESSAGES

from .conftest import PASSWORD, add_user, sign_in, unique


def audit_of(admin: httpx.Client, user: str, result: str) -> list[tuple[str, str | None]]:
    entries = admin.get("/api/audit", params={"user": user}).json()
    return [(entry["action"], entry["target"]) for entry in entries if entry["result"] == result]


def cluster_names(admin: httpx.Client) -> list[str]:
    response = admin.get("/api/clusters")
    assert response.status_code == 200, response.text
    return [cluster["name"] for cluster in response.json()]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= character <= "\u9fff" for character in text)


@pytest.fixture(scope="module")
def kubeconfig_text(kube_cluster) -> str:
    return kube_cluster.kubeconfig.read_text()


@pytest.fixture
def stand_in() -> Iterator[Callable[..., StandInApiServer]]:
    started: list[StandInApiServer] = []

    def start(certificates: Certificates, **route: bool) -> StandInApiServer:
        server = StandInApiServer(certificates, rbac_cluster(**{"access_reviews": True, "allowed": True, **route}))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# Listing


def test_the_admin_sees_local_running_with_its_version(admin):
    (local,) = [cluster for cluster in admin.get("/api/clusters").json() if cluster["name"] == "local"]
    assert (local["status"], local["statusLabel"]) == ("Running", "Running")
    assert local["version"].startswith("v1.") and local["nodeCount"] == 0
    chinese = admin.get("/api/clusters", headers={"Accept-Language": "zh-CN"}).json()
    assert next(cluster for cluster in chinese if cluster["name"] == "local")["statusLabel"] == "运行中"


def test_a_user_sees_only_the_clusters_they_hold_a_role_on(console, admin):
    nobody = add_user(admin)
    viewer = add_user(admin, "ns-viewer", "default")
    with sign_in(console.url, nobody, PASSWORD) as browser:
        assert browser.get("/api/clusters").json() == []
    with sign_in(console.url, viewer, PASSWORD) as browser:
        assert [cluster["name"] for cluster in browser.get("/api/clusters").json()] == ["local"]


# Unauthenticated


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/clusters"),
        ("POST", "/api/clusters"),
        ("POST", "/api/clusters/validate"),
        ("DELETE", "/api/clusters/local"),
    ],
)
def test_without_credentials_cluster_calls_are_401(console, admin, method, path):
    body = {"name": "other", "kubeconfig": "x"} if method == "POST" else None
    with httpx.Client(base_url=console.url) as anonymous:
        response = anonymous.request(method, path, json=body)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert "local" in cluster_names(admin)


def test_a_wrong_token_is_401(console):
    with httpx.Client(base_url=console.url, headers={"Authorization": "Bearer jy_nothing"}) as stranger:
        response = stranger.get("/api/clusters")
    assert response.status_code == 401


# Validate, join and remove


def test_validate_reports_version_and_nodes_and_saves_nothing(admin, kubeconfig_text):
    name = unique("checked")
    response = admin.post("/api/clusters/validate", json={"name": name, "kubeconfig": kubeconfig_text})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["ok"], result["code"], result["message"], result["nodeCount"]) == (True, None, "", 0)
    assert result["version"].startswith("v1.")
    assert name not in cluster_names(admin)


def test_a_joined_cluster_is_listed_running_and_a_removed_one_is_forgotten(admin, kubeconfig_text, kube_cluster):
    name = unique("mirror")
    joined = admin.post("/api/clusters", json={"name": name, "kubeconfig": kubeconfig_text})
    assert joined.status_code == 201, joined.text
    assert (joined.json()["name"], joined.json()["status"]) == (name, "Running")
    # The kubeconfig's bearer token goes in and never comes out.
    assert kube_cluster.token not in joined.text
    assert kube_cluster.token not in admin.get("/api/clusters").text
    assert name in cluster_names(admin)
    assert admin.get(f"/api/clusters/{name}/namespaces").status_code == 200

    assert admin.delete(f"/api/clusters/{name}").status_code == 204

    assert name not in cluster_names(admin)
    gone = admin.get(f"/api/clusters/{name}/namespaces")
    assert (gone.status_code, gone.json()["code"]) == (404, "unknownCluster")
    entries = admin.get("/api/audit", params={"cluster": name}).json()
    assert [(entry["action"], entry["result"]) for entry in entries] == [
        ("cluster.remove", "ok"),
        ("cluster.join", "ok"),
    ]


def test_removing_an_unknown_cluster_is_404(admin):
    response = admin.delete("/api/clusters/never-joined")
    assert (response.status_code, response.json()["code"]) == (404, "unknownCluster")
    assert response.json()["message"] == API_TEXTS["unknownCluster"].en.format(name="never-joined")


def _closed_port(cluster: Any, stand_in: Any) -> str:
    return kubeconfig(f"https://127.0.0.1:{free_port()}", "token", cluster.ca_file.read_bytes())


def _untrusted(cluster: Any, stand_in: Any) -> str:
    server = stand_in(Certificates())
    return kubeconfig(server.url, "token", cluster.ca_file.read_bytes())


def _expired(cluster: Any, stand_in: Any) -> str:
    certificates = Certificates(expired=True)
    return kubeconfig(stand_in(certificates).url, "token", certificates.ca_pem)


def _wrong_token(cluster: Any, stand_in: Any) -> str:
    return with_token(cluster.kubeconfig.read_text(), "wrong-token")


def _no_rights(cluster: Any, stand_in: Any) -> str:
    certificates = Certificates()
    return kubeconfig(stand_in(certificates, allowed=False).url, "token", certificates.ca_pem)


def _not_a_kubeconfig(cluster: Any, stand_in: Any) -> str:
    return "just: [some, yaml]"


def _outside_file(cluster: Any, stand_in: Any) -> str:
    return kubeconfig(cluster.url, "token", **{"tokenFile": "/etc/passwd"})


BAD_KUBECONFIGS: dict[str, tuple[Callable[[Any, Any], str], str]] = {
    "points nowhere": (_closed_port, "unreachable"),
    "another authority's certificate": (_untrusted, "certificateUntrusted"),
    "an expired certificate": (_expired, "certificateExpired"),
    "a wrong token": (_wrong_token, "unauthorized"),
    "a user without rights": (_no_rights, "forbidden"),
    "not a kubeconfig": (_not_a_kubeconfig, "kubeconfigInvalid"),
    "a token file on the console's host": (_outside_file, "kubeconfigNotSelfContained"),
}


@pytest.mark.parametrize("case", BAD_KUBECONFIGS.values(), ids=BAD_KUBECONFIGS.keys())
def test_a_kubeconfig_that_cannot_work_gets_a_clear_error_and_nothing_is_saved(admin, kube_cluster, stand_in, case):
    make, code = case
    text = make(kube_cluster, stand_in)
    name = unique("bad")

    checked = admin.post("/api/clusters/validate", json={"name": name, "kubeconfig": text}).json()
    checked_zh = admin.post(
        "/api/clusters/validate", json={"name": name, "kubeconfig": text}, headers={"Accept-Language": "zh-CN"}
    ).json()
    refused = admin.post("/api/clusters", json={"name": name, "kubeconfig": text})

    assert (checked["ok"], checked["code"]) == (False, code)
    assert checked["message"] and checked["message"] != checked_zh["message"] and has_chinese(checked_zh["message"])
    assert (refused.status_code, refused.json()["code"]) == (422, code)
    assert [(field["path"], field["code"]) for field in refused.json()["fields"]] == [("kubeconfig", code)]
    assert refused.json()["message"] == checked["message"]
    assert name not in cluster_names(admin)
    entries = admin.get("/api/audit", params={"cluster": name}).json()
    assert [(entry["action"], entry["result"], entry["detail"]) for entry in entries] == [
        ("cluster.join", "failed", code)
    ]


def test_a_bad_cluster_name_is_422_on_the_name_field_in_english_and_chinese(admin, kubeconfig_text):
    body = {"name": "Not_A_Name", "kubeconfig": kubeconfig_text}
    english = admin.post("/api/clusters", json=body)
    chinese = admin.post("/api/clusters", json=body, headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    assert [(field["path"], field["code"]) for field in english.json()["fields"]] == [("name", "clusterNameInvalid")]
    assert english.json()["fields"][0]["message"] == CLUSTER_MESSAGES["clusterNameInvalid"]
    assert has_chinese(chinese.json()["fields"][0]["message"])
    assert "Not_A_Name" not in cluster_names(admin)


def test_joining_under_a_taken_name_is_refused_and_keeps_the_first(admin, kubeconfig_text):
    refused = admin.post("/api/clusters", json={"name": "local", "kubeconfig": kubeconfig_text})
    assert (refused.status_code, refused.json()["fields"][0]["path"]) == (422, "name")
    assert refused.json()["code"] == "clusterNameTaken"
    assert cluster_names(admin).count("local") == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": "x"}, {"name": 7, "kubeconfig": ["a"]}],
    ids=["empty", "no kubeconfig", "wrong types"],
)
def test_a_malformed_join_body_is_422_with_field_paths_in_both_languages(admin, body):
    english = admin.post("/api/clusters", json=body)
    chinese = admin.post("/api/clusters", json=body, headers={"Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 422
    paths = {field["path"] for field in english.json()["fields"]}
    assert paths and paths <= {"name", "kubeconfig"}
    assert all(has_chinese(field["message"]) for field in chinese.json()["fields"])
    assert not any(has_chinese(field["message"]) for field in english.json()["fields"])


def test_a_missing_field_is_required_in_the_callers_language(admin):
    chinese = admin.post("/api/clusters", json={"name": "x"}, headers={"Accept-Language": "zh-CN"})
    english = admin.post("/api/clusters", json={"name": "x"})
    assert [(field["path"], field["code"]) for field in english.json()["fields"]] == [("kubeconfig", "missing")]
    assert english.json()["fields"][0]["message"] == MESSAGES["required"]
    assert chinese.json()["fields"][0]["message"] != MESSAGES["required"]
    assert has_chinese(chinese.json()["fields"][0]["message"])


def test_a_body_that_is_not_json_is_422_not_500(admin):
    response = admin.post("/api/clusters", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


# Who may


def test_only_the_admin_validates_joins_and_removes_and_refusals_are_audited(console, admin, kubeconfig_text):
    cluster_admin = add_user(admin, "cluster-admin")
    name = unique("theirs")
    with sign_in(console.url, cluster_admin, PASSWORD) as browser:
        checked = browser.post("/api/clusters/validate", json={"name": name, "kubeconfig": kubeconfig_text})
        joined = browser.post("/api/clusters", json={"name": name, "kubeconfig": kubeconfig_text})
        removed = browser.delete("/api/clusters/local")
    assert [response.status_code for response in (checked, joined, removed)] == [403, 403, 403]
    assert {response.json()["code"] for response in (checked, joined, removed)} == {"forbidden"}
    assert sorted(audit_of(admin, cluster_admin, "denied")) == [
        ("cluster.join", name),
        ("cluster.join", name),
        ("cluster.remove", "local"),
    ]
    assert "local" in cluster_names(admin) and name not in cluster_names(admin)
