"""pods/eviction: policy/v1 Eviction marks the pod DisruptionTarget and deletes it."""

from __future__ import annotations

from .support import assert_status, create, pod, pods_url


def eviction(name: str, **delete_options) -> dict:
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}
    if delete_options:
        body["deleteOptions"] = delete_options
    return body


def evict(api, namespace: str, name: str, **delete_options):
    return api.post(pods_url(namespace, name) + "/eviction", json=eviction(name, **delete_options))


def test_eviction_answers_201_success(api, namespace):
    create(api, pods_url(namespace), pod())
    response = evict(api, namespace, "pod")
    assert response.status_code == 201
    assert response.json()["status"] == "Success"


def test_evicting_an_unscheduled_pod_deletes_it_at_once(api, namespace):
    create(api, pods_url(namespace), pod())
    evict(api, namespace, "pod")
    assert_status(api.get(pods_url(namespace, "pod")), 404, "NotFound")


def test_evicting_a_scheduled_pod_marks_it_disruption_target_and_terminating(api, namespace):
    create(api, pods_url(namespace), pod(node_name="node-a"))
    evict(api, namespace, "pod")
    evicted = api.get(pods_url(namespace, "pod")).json()
    condition = next(c for c in evicted["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert (condition["status"], condition["reason"]) == ("True", "EvictionByEvictionAPI")
    assert evicted["metadata"]["deletionTimestamp"]
    assert evicted["metadata"]["deletionGracePeriodSeconds"] == 30


def test_eviction_grace_period_comes_from_its_delete_options(api, namespace):
    create(api, pods_url(namespace), pod(node_name="node-a"))
    evict(api, namespace, "pod", gracePeriodSeconds=5)
    assert api.get(pods_url(namespace, "pod")).json()["metadata"]["deletionGracePeriodSeconds"] == 5


def test_evicting_a_missing_pod_is_404(api, namespace):
    assert_status(evict(api, namespace, "absent"), 404, "NotFound")


def test_eviction_named_for_another_pod_is_400(api, namespace):
    create(api, pods_url(namespace), pod())
    response = api.post(pods_url(namespace, "pod") + "/eviction", json=eviction("other"))
    assert_status(response, 400, "BadRequest")


def test_eviction_precondition_on_another_uid_is_409(api, namespace):
    create(api, pods_url(namespace), pod())
    assert_status(evict(api, namespace, "pod", preconditions={"uid": "other"}), 409, "Conflict")
    assert api.get(pods_url(namespace, "pod")).status_code == 200


def test_eviction_only_accepts_post(api, namespace):
    create(api, pods_url(namespace), pod())
    assert_status(api.get(pods_url(namespace, "pod") + "/eviction"), 405, "MethodNotAllowed")
