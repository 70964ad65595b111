"""Services with their endpoints, the images on the nodes, and pull Secrets made from credentials, through the API.

Each is checked against the cluster itself (its own Endpoints, Nodes and Secrets, read with the
cluster's token): the console only reads what the Kubernetes API says, and a refusal leaves nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from e2e.jobs_support import JobsApi
from e2e.support import Api, path
from waiting import eventually

from .conftest import PASSWORD, add_user, job_form, jobs_url, sign_in

SERVICE = {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}


@pytest.fixture(scope="module")
def cluster_api(kube_cluster) -> Iterator[Api]:
    api = Api(kube_cluster)
    yield api
    api.close()


def services_url(namespace: str) -> str:
    return f"/api/clusters/local/namespaces/{namespace}/services"


def test_a_jobs_service_is_listed_with_its_ports_node_port_selector_and_ready_endpoints(admin, kube_cluster, namespace):
    created = admin.post(jobs_url(namespace), json=job_form("web-1", service=SERVICE))
    assert created.status_code == 201, created.text
    jobs = JobsApi(kube_cluster, namespace)
    try:
        [pod] = jobs.wait_active("web-1", 1)
        running = {"type": "Ready", "status": "True"}
        jobs.write_pod_status(pod, {"phase": "Running", "podIP": "10.1.2.3", "conditions": [running]})

        def served() -> dict:
            [service] = admin.get(services_url(namespace)).json()
            assert service["endpoints"], service
            return service

        service = eventually(served)
    finally:
        jobs.close()
    assert (service["name"], service["type"], service["selector"]) == ("web-1", "NodePort", {"app": "web-1"})
    assert service["clusterIp"]
    [port] = service["ports"]
    assert (port["name"], port["port"], port["targetPort"], port["protocol"]) == ("http", 80, "8080", "TCP")
    assert 30000 <= port["nodePort"] <= 32767
    [endpoint] = service["endpoints"]
    assert (endpoint["ip"], endpoint["ready"], endpoint["pod"]) == ("10.1.2.3", True, pod["metadata"]["name"])
    assert endpoint["ports"] == ["http 8080/TCP"]


def test_a_viewer_of_the_namespace_sees_its_services_and_others_are_refused(console, admin, namespace):
    assert admin.post(jobs_url(namespace), json=job_form("web-1", service=SERVICE)).status_code == 201
    viewer = add_user(admin, "ns-viewer", namespace)
    stranger = add_user(admin, "ns-viewer", f"{namespace}-elsewhere")
    with sign_in(console.url, viewer, PASSWORD) as browser:
        assert [service["name"] for service in browser.get(services_url(namespace)).json()] == ["web-1"]
    with sign_in(console.url, stranger, PASSWORD) as browser:
        refused = browser.get(services_url(namespace))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_the_images_on_the_nodes_come_from_the_nodes_status(console, admin, cluster_api, namespace):
    name = f"node-{namespace}"
    cluster_api.post("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    images = [
        {"names": ["registry.local/tools@sha256:" + "a" * 64, "registry.local/tools:1.0"], "sizeBytes": 2_097_152},
        {"names": ["busybox:1.36"], "sizeBytes": 1_048_576},
    ]
    try:
        cluster_api.merge_patch(f"/api/v1/nodes/{name}/status", {"status": {"images": images}})
        listed = {image["name"]: image for image in admin.get("/api/clusters/local/images").json()}
        viewer = add_user(admin, "ns-viewer", namespace)
        with sign_in(console.url, viewer, PASSWORD) as browser:
            seen_by_viewer = browser.get("/api/clusters/local/images")
    finally:
        cluster_api.delete(f"/api/v1/nodes/{name}")
    # A tagged name is the one shown, not the digest.
    assert listed["registry.local/tools:1.0"]["nodes"] == [name]
    assert listed["registry.local/tools:1.0"]["sizeBytes"] == 2_097_152
    assert listed["busybox:1.36"]["names"] == ["busybox:1.36"]
    assert seen_by_viewer.status_code == 200


def test_an_editor_makes_a_pull_secret_from_a_registry_user_and_password(console, admin, cluster_api, namespace):
    editor = add_user(admin, "ns-editor", namespace)
    body = {"name": "pull", "server": "https://registry.example.com:5000/", "username": "bob", "password": "hunter2"}
    with sign_in(console.url, editor, PASSWORD) as browser:
        response = browser.post(f"/api/clusters/local/namespaces/{namespace}/pull-secrets", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["type"] == "kubernetes.io/dockerconfigjson"
    assert "hunter2" not in response.text
    stored = cluster_api.get(path(namespace, "secrets", "pull"))
    config = json.loads(base64.b64decode(stored["data"][".dockerconfigjson"]))
    assert config["auths"]["registry.example.com:5000"]["username"] == "bob"
    assert config["auths"]["registry.example.com:5000"]["password"] == "hunter2"


def test_a_pull_secret_needs_every_field_and_a_viewer_may_not_make_one(console, admin, cluster_api, namespace):
    url = f"/api/clusters/local/namespaces/{namespace}/pull-secrets"
    incomplete = admin.post(url, json={"name": "Bad_Name", "server": " ", "username": "", "password": ""})
    assert incomplete.status_code == 422
    paths = sorted(field["path"] for field in incomplete.json()["fields"])
    assert paths == ["name", "password", "server", "username"]
    viewer = add_user(admin, "ns-viewer", namespace)
    body = {"name": "pull", "server": "registry.example.com", "username": "bob", "password": "hunter2"}
    with sign_in(console.url, viewer, PASSWORD) as browser:
        refused = browser.post(url, json=body)
    assert refused.status_code == 403
    assert not cluster_api.exists(path(namespace, "secrets", "pull"))
