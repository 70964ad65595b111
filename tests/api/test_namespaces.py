"""Namespace lifecycle: admission into namespaces, deletion of their content, default accounts."""

from __future__ import annotations

import time

from .support import (
    assert_status,
    configmap,
    configmaps_url,
    create,
    job,
    jobs_url,
    namespace_manifest,
    pod,
    pods_url,
    store_unchanged,
    wait_for_default_service_account,
)


def wait_until_gone(api, url: str, timeout_seconds: float = 15) -> None:
    deadline = time.monotonic() + timeout_seconds
    while api.get(url).status_code != 404:
        assert time.monotonic() < deadline, f"{url} still exists after {timeout_seconds}s"
        time.sleep(0.05)


def test_creating_in_a_missing_namespace_is_404(api, shared_cluster):
    with store_unchanged(shared_cluster):
        response = api.post(configmaps_url("no-such-namespace"), json=configmap())
    status = assert_status(response, 404, "NotFound")
    assert status["details"] == {"name": "no-such-namespace", "kind": "namespaces"}


def test_creating_in_a_terminating_namespace_is_403_forbidden(api, namespace, shared_cluster):
    held = configmap("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    create(api, configmaps_url(namespace), held)
    api.delete(f"/api/v1/namespaces/{namespace}")
    wait_until_gone(api, f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
    with store_unchanged(shared_cluster):
        response = api.post(configmaps_url(namespace), json=configmap("late"))
    status = assert_status(response, 403, "Forbidden")
    assert "because it is being terminated" in status["message"]


def test_deleting_a_namespace_marks_it_terminating(api, namespace):
    response = api.delete(f"/api/v1/namespaces/{namespace}")
    assert response.json()["status"]["phase"] == "Terminating"
    assert response.json()["metadata"]["deletionTimestamp"]


def test_namespace_deletion_removes_its_content_then_the_namespace(api, namespace):
    create(api, configmaps_url(namespace), configmap())
    create(api, jobs_url(namespace), job())
    create(api, pods_url(namespace), pod())
    api.delete(f"/api/v1/namespaces/{namespace}")
    wait_until_gone(api, f"/api/v1/namespaces/{namespace}")
    for url in (configmaps_url(namespace), jobs_url(namespace), pods_url(namespace)):
        assert api.get(url).json()["items"] == []


def test_namespace_waits_for_finalizers_of_its_content(api, namespace):
    held = configmap("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    create(api, configmaps_url(namespace), held)
    api.delete(f"/api/v1/namespaces/{namespace}")
    wait_until_gone(api, f"/api/v1/namespaces/{namespace}/serviceaccounts/default")
    assert api.get(f"/api/v1/namespaces/{namespace}").json()["status"]["phase"] == "Terminating"
    api.patch(
        configmaps_url(namespace, "held"),
        json={"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    wait_until_gone(api, f"/api/v1/namespaces/{namespace}")


def test_a_new_namespace_gets_a_default_service_account(api):
    create(api, "/api/v1/namespaces", namespace_manifest("gets-an-account"))
    account = wait_for_default_service_account(api, "gets-an-account")
    assert account["metadata"]["namespace"] == "gets-an-account"


def test_system_namespaces_exist(api):
    names = {item["metadata"]["name"] for item in api.get("/api/v1/namespaces").json()["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


def test_a_namespace_in_the_url_of_a_cluster_scoped_create_is_404(api):
    response = api.post(
        "/api/v1/namespaces/default/nodes", json={"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}
    )
    assert_status(response, 404, "NotFound")
