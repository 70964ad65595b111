"""LIST: label and field selectors, paging with limit/continue, resourceVersion semantics."""

from __future__ import annotations

import pytest

from .support import assert_status, configmap, configmaps_url, create, pod, pods_url

LABELLED = {
    "web": {"app": "web", "tier": "front"},
    "api": {"app": "api", "tier": "back"},
    "db": {"app": "db"},
    "bare": {},
}


@pytest.fixture
def labelled(api, namespace) -> str:
    for name, labels in LABELLED.items():
        create(api, configmaps_url(namespace), configmap(name, labels=labels))
    return namespace


def names(listed: dict) -> list[str]:
    return [item["metadata"]["name"] for item in listed["items"]]


@pytest.mark.parametrize(
    "selector, expected",
    [
        pytest.param("app=web", ["web"], id="equality"),
        pytest.param("app==web", ["web"], id="double equality"),
        pytest.param("app!=web", ["api", "bare", "db"], id="inequality includes objects without the key"),
        pytest.param("app in (web,db)", ["db", "web"], id="in"),
        pytest.param("app notin (web,db)", ["api", "bare"], id="notin includes objects without the key"),
        pytest.param("tier", ["api", "web"], id="exists"),
        pytest.param("!tier", ["bare", "db"], id="does not exist"),
        pytest.param("app,tier=back", ["api"], id="requirements are ANDed"),
        pytest.param("", ["api", "bare", "db", "web"], id="empty selects everything"),
    ],
)
def test_label_selector_operators(api, labelled, selector, expected):
    listed = api.get(configmaps_url(labelled), params={"labelSelector": selector}).json()
    assert names(listed) == expected


@pytest.fixture
def placed_pods(api, namespace) -> str:
    create(api, pods_url(namespace), pod("on-a", node_name="node-a"))
    create(api, pods_url(namespace), pod("on-b", node_name="node-b"))
    create(api, pods_url(namespace), pod("nowhere"))
    return namespace


@pytest.mark.parametrize(
    "selector, expected",
    [
        pytest.param("metadata.name=on-a", ["on-a"], id="metadata.name"),
        pytest.param("metadata.name!=on-a", ["nowhere", "on-b"], id="metadata.name inequality"),
        pytest.param("spec.nodeName=node-b", ["on-b"], id="spec.nodeName"),
        pytest.param("spec.nodeName=", ["nowhere"], id="empty spec.nodeName finds unscheduled pods"),
        pytest.param("status.phase=Pending", ["nowhere", "on-a", "on-b"], id="status.phase"),
        pytest.param("status.phase!=Pending", [], id="status.phase inequality"),
    ],
)
def test_pod_field_selectors(api, placed_pods, selector, expected):
    listed = api.get(pods_url(placed_pods), params={"fieldSelector": selector}).json()
    assert names(listed) == expected


def test_metadata_namespace_field_selector_across_namespaces(api, labelled):
    listed = api.get("/api/v1/configmaps", params={"fieldSelector": f"metadata.namespace={labelled}"}).json()
    assert names(listed) == ["api", "bare", "db", "web"]


def test_an_unsupported_field_selector_is_400(api, namespace):
    status = assert_status(api.get(pods_url(namespace), params={"fieldSelector": "spec.dnsPolicy=None"}), 400)
    assert "spec.dnsPolicy" in status["message"]


def test_list_across_namespaces_orders_by_namespace_then_name(api, labelled):
    items = api.get("/api/v1/configmaps").json()["items"]
    keys = [(item["metadata"]["namespace"], item["metadata"]["name"]) for item in items]
    assert keys == sorted(keys)


def test_limit_pages_with_continue_and_remaining_item_count(api, labelled):
    first = api.get(configmaps_url(labelled), params={"limit": 3}).json()
    assert names(first) == ["api", "bare", "db"]
    assert first["metadata"]["remainingItemCount"] == 1
    second = api.get(configmaps_url(labelled), params={"limit": 3, "continue": first["metadata"]["continue"]}).json()
    assert names(second) == ["web"]
    assert "continue" not in second["metadata"] and "remainingItemCount" not in second["metadata"]


def test_pages_keep_the_resource_version_of_the_first_page(api, labelled):
    first = api.get(configmaps_url(labelled), params={"limit": 2}).json()
    create(api, configmaps_url(labelled), configmap("zzz-later"))
    second = api.get(configmaps_url(labelled), params={"limit": 2, "continue": first["metadata"]["continue"]}).json()
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_limit_with_a_selector_gives_no_remaining_item_count(api, labelled):
    listed = api.get(configmaps_url(labelled), params={"limit": 1, "labelSelector": "app"}).json()
    assert listed["metadata"]["continue"]
    assert "remainingItemCount" not in listed["metadata"]


def test_limit_covering_everything_gives_no_continue(api, labelled):
    listed = api.get(configmaps_url(labelled), params={"limit": 4}).json()
    assert "continue" not in listed["metadata"]


@pytest.mark.parametrize("token", ["not-base64!", "eyJmb28iOiAxfQ=="])
def test_an_invalid_continue_token_is_400(api, namespace, token):
    assert_status(api.get(configmaps_url(namespace), params={"continue": token}), 400, "BadRequest")


def test_continue_with_a_resource_version_is_400(api, labelled):
    token = api.get(configmaps_url(labelled), params={"limit": 1}).json()["metadata"]["continue"]
    response = api.get(configmaps_url(labelled), params={"continue": token, "resourceVersion": "5"})
    assert_status(response, 400, "BadRequest")


def test_not_older_than_an_old_version_lists_the_newest_state(api, labelled):
    response = api.get(
        configmaps_url(labelled), params={"resourceVersion": "1", "resourceVersionMatch": "NotOlderThan"}
    )
    assert names(response.json()) == ["api", "bare", "db", "web"]


def test_exact_at_the_current_version_lists_it(api, labelled, shared_cluster):
    current = str(shared_cluster.cluster.store.resource_version)
    response = api.get(configmaps_url(labelled), params={"resourceVersion": current, "resourceVersionMatch": "Exact"})
    assert response.json()["metadata"]["resourceVersion"] == current


def test_exact_at_a_compacted_version_is_410_expired(api, labelled):
    response = api.get(configmaps_url(labelled), params={"resourceVersion": "1", "resourceVersionMatch": "Exact"})
    assert_status(response, 410, "Expired")


def test_a_resource_version_from_the_future_is_504_timeout(api, labelled, shared_cluster):
    future = str(shared_cluster.cluster.store.resource_version + 1000)
    assert_status(api.get(configmaps_url(labelled), params={"resourceVersion": future}), 504, "Timeout")


def test_resource_version_match_without_resource_version_is_400(api, namespace):
    response = api.get(configmaps_url(namespace), params={"resourceVersionMatch": "NotOlderThan"})
    assert_status(response, 400, "BadRequest")


def test_an_unknown_resource_version_match_is_400(api, namespace):
    response = api.get(configmaps_url(namespace), params={"resourceVersion": "1", "resourceVersionMatch": "Newest"})
    assert_status(response, 400, "BadRequest")


def test_list_kind_and_api_version(api, namespace):
    listed = api.get(f"/apis/batch/v1/namespaces/{namespace}/jobs").json()
    assert (listed["kind"], listed["apiVersion"]) == ("JobList", "batch/v1")
