"""DELETE as upstream's generic registry: grace periods, GC finalizers, namespaces."""

from __future__ import annotations

from waiting import eventually

from .support import assert_status, configmap, configmaps_url, create, pod, pods_url, store_unchanged


def test_a_pod_in_its_grace_period_survives_an_update(api, namespace):
    create(api, pods_url(namespace), pod(node_name="node-a"))
    api.delete(pods_url(namespace, "pod"))
    patch = {"metadata": {"labels": {"touched": "yes"}}}
    response = api.patch(
        pods_url(namespace, "pod"), json=patch, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert response.status_code == 200
    assert api.get(pods_url(namespace, "pod")).status_code == 200


def test_a_shorter_grace_period_counts_from_the_first_deletion(api, namespace):
    create(api, pods_url(namespace), pod(node_name="node-a"))
    first = api.delete(pods_url(namespace, "pod")).json()["metadata"]
    second = api.delete(pods_url(namespace, "pod"), params={"gracePeriodSeconds": 10}).json()["metadata"]
    assert second["deletionGracePeriodSeconds"] == 10
    assert second["deletionTimestamp"] < first["deletionTimestamp"]


def test_a_longer_grace_period_changes_nothing(api, namespace, shared_cluster):
    create(api, pods_url(namespace), pod(node_name="node-a"))
    api.delete(pods_url(namespace, "pod"), params={"gracePeriodSeconds": 5})
    with store_unchanged(shared_cluster):
        kept = api.delete(pods_url(namespace, "pod"), params={"gracePeriodSeconds": 50}).json()["metadata"]
    assert kept["deletionGracePeriodSeconds"] == 5


def test_a_gc_finalizer_on_the_object_decides_when_the_request_does_not(api, namespace):
    held = configmap()
    held["metadata"]["finalizers"] = ["foregroundDeletion", "example.com/hold"]
    create(api, configmaps_url(namespace), held)
    marked = api.delete(configmaps_url(namespace, "cm")).json()["metadata"]
    assert marked["finalizers"] == ["example.com/hold", "foregroundDeletion"]


def test_a_deletion_never_leaves_both_gc_finalizers(api, namespace):
    held = configmap()
    held["metadata"]["finalizers"] = ["example.com/hold"]
    create(api, configmaps_url(namespace), held)
    api.delete(configmaps_url(namespace, "cm"), params={"propagationPolicy": "Orphan"})
    again = api.delete(configmaps_url(namespace, "cm"), params={"propagationPolicy": "Foreground"}).json()
    assert again["metadata"]["finalizers"] == ["example.com/hold", "foregroundDeletion"]


def test_marking_for_deletion_bumps_generation(api, namespace):
    held = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": f"{namespace}-gen", "finalizers": ["example.com/hold"]},
    }
    created = create(api, "/api/v1/namespaces", held)
    marked = api.delete(f"/api/v1/namespaces/{namespace}-gen").json()
    assert marked["metadata"]["generation"] == created["metadata"]["generation"] + 1


def test_a_namespace_held_by_a_finalizer_stays_after_it_is_emptied(api, namespace):
    held = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": f"{namespace}-held", "finalizers": ["example.com/hold"]},
    }
    create(api, "/api/v1/namespaces", held)
    api.delete(f"/api/v1/namespaces/{namespace}-held")
    finalized = eventually(lambda: _finalized(api, f"{namespace}-held"))
    assert finalized["metadata"]["finalizers"] == ["example.com/hold"]
    finalized["metadata"]["finalizers"] = []
    api.put(f"/api/v1/namespaces/{namespace}-held", json=finalized)
    assert_status(api.get(f"/api/v1/namespaces/{namespace}-held"), 404, "NotFound")


def _finalized(api, name):
    current = api.get(f"/api/v1/namespaces/{name}").json()
    assert not current.get("spec", {}).get("finalizers"), "the namespace controller has not finalized it yet"
    return current


def test_an_eviction_body_of_the_wrong_shape_is_a_bad_request(api, namespace, shared_cluster):
    create(api, pods_url(namespace), pod())
    with store_unchanged(shared_cluster):
        response = api.post(pods_url(namespace, "pod") + "/eviction", json={"kind": "Eviction", "metadata": "x"})
    assert_status(response, 400, "BadRequest")


def test_a_binding_names_a_valid_node(api, namespace, shared_cluster):
    create(api, pods_url(namespace), pod())
    for target in ({"name": 5}, "node-a", {"name": "Not_A_Node"}):
        with store_unchanged(shared_cluster):
            response = api.post(pods_url(namespace, "pod") + "/binding", json={"kind": "Binding", "target": target})
        assert response.status_code in (400, 422), target


def test_a_dry_run_binding_assigns_nothing(api, namespace):
    create(api, pods_url(namespace), pod())
    body = {"kind": "Binding", "metadata": {"name": "pod"}, "target": {"name": "node-a"}}
    assert api.post(pods_url(namespace, "pod") + "/binding", json=body, params={"dryRun": "All"}).status_code == 201
    assert "nodeName" not in api.get(pods_url(namespace, "pod")).json()["spec"]


def test_apply_to_the_status_of_a_missing_object_is_not_found(api, shared_cluster):
    body = '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ghost"},"status":{"phase":"Active"}}'
    with store_unchanged(shared_cluster):
        response = api.patch(
            "/api/v1/namespaces/ghost/status",
            content=body,
            params={"fieldManager": "test"},
            headers={"Content-Type": "application/apply-patch+yaml"},
        )
    assert_status(response, 404, "NotFound")
