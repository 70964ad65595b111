"""Object semantics every kind shares: identity, versions, status, finalizers, preconditions."""

from __future__ import annotations

import pytest

from .support import assert_status, configmap, configmaps_url, create, job, jobs_url, store_unchanged


def finalized(manifest: dict, *finalizers: str) -> dict:
    manifest["metadata"]["finalizers"] = list(finalizers)
    return manifest


def test_create_sets_uid_and_creation_timestamp(api, namespace):
    created = create(api, configmaps_url(namespace), configmap())
    assert created["metadata"]["uid"]
    assert created["metadata"]["creationTimestamp"].endswith("Z")


def test_server_ignores_a_client_supplied_uid(api, namespace):
    manifest = configmap()
    manifest["metadata"]["uid"] = "chosen-by-client"
    assert create(api, configmaps_url(namespace), manifest)["metadata"]["uid"] != "chosen-by-client"


def test_generate_name_appends_a_random_suffix(api, namespace):
    manifest = configmap()
    del manifest["metadata"]["name"]
    manifest["metadata"]["generateName"] = "made-"
    name = create(api, configmaps_url(namespace), manifest)["metadata"]["name"]
    assert name.startswith("made-") and len(name) == len("made-") + 5


def test_create_without_name_or_generate_name_is_invalid(api, namespace):
    manifest = configmap()
    del manifest["metadata"]["name"]
    status = assert_status(api.post(configmaps_url(namespace), json=manifest), 422, "Invalid")
    assert [cause["field"] for cause in status["details"]["causes"]] == ["metadata.name"]


def test_creating_an_existing_name_is_409_already_exists(api, namespace):
    create(api, configmaps_url(namespace), configmap())
    status = assert_status(api.post(configmaps_url(namespace), json=configmap()), 409, "AlreadyExists")
    assert status["details"] == {"name": "cm", "kind": "configmaps"}


def test_resource_version_grows_across_kinds_and_namespaces(api, namespace):
    first = create(api, configmaps_url(namespace), configmap("a"))
    second = create(api, jobs_url(namespace), job())
    third = create(api, configmaps_url("default"), configmap(f"from-{namespace}"))
    versions = [int(obj["metadata"]["resourceVersion"]) for obj in (first, second, third)]
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_list_resource_version_is_the_newest_write(api, namespace):
    created = create(api, configmaps_url(namespace), configmap())
    listed = api.get(configmaps_url(namespace)).json()
    assert int(listed["metadata"]["resourceVersion"]) >= int(created["metadata"]["resourceVersion"])


def test_update_without_changes_keeps_the_resource_version(api, namespace, shared_cluster):
    created = create(api, configmaps_url(namespace), configmap())
    with store_unchanged(shared_cluster):
        updated = api.put(configmaps_url(namespace, "cm"), json=created).json()
    assert updated["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_job_generation_starts_at_one_and_grows_on_spec_change(api, namespace):
    created = create(api, jobs_url(namespace), job())
    assert created["metadata"]["generation"] == 1
    response = api.patch(
        jobs_url(namespace, "job"),
        json={"spec": {"suspend": True}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.json()["metadata"]["generation"] == 2


def test_job_generation_stays_on_metadata_change(api, namespace):
    create(api, jobs_url(namespace), job())
    response = api.patch(
        jobs_url(namespace, "job"),
        json={"metadata": {"labels": {"team": "a"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.json()["metadata"]["generation"] == 1


def test_job_generation_stays_on_status_change(api, namespace):
    create(api, jobs_url(namespace), job())
    response = api.patch(
        jobs_url(namespace, "job") + "/status",
        json={"status": {"active": 1, "startTime": "2024-01-01T00:00:00Z"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["metadata"]["generation"] == 1


def test_main_resource_update_ignores_status(api, namespace):
    created = create(api, jobs_url(namespace), job())
    created["status"] = {"active": 3}
    created["metadata"]["labels"] = {"changed": "yes"}
    updated = api.put(jobs_url(namespace, "job"), json=created).json()
    assert updated["metadata"]["labels"]["changed"] == "yes"
    assert updated["status"] == {}


def test_status_update_ignores_spec(api, namespace):
    created = create(api, jobs_url(namespace), job())
    created["spec"]["suspend"] = True
    created["status"] = {"active": 1, "startTime": "2024-01-01T00:00:00Z"}
    response = api.put(jobs_url(namespace, "job") + "/status", json=created)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["spec"]["suspend"], updated["status"]["active"]) == (False, 1)


def test_update_with_a_stale_resource_version_is_409_conflict(api, namespace, shared_cluster):
    stale = create(api, configmaps_url(namespace), configmap())
    api.put(configmaps_url(namespace, "cm"), json={**stale, "data": {"key": "newer"}})
    with store_unchanged(shared_cluster):
        response = api.put(configmaps_url(namespace, "cm"), json={**stale, "data": {"key": "lost"}})
    assert_status(response, 409, "Conflict")
    assert api.get(configmaps_url(namespace, "cm")).json()["data"] == {"key": "newer"}


def test_update_without_a_resource_version_overwrites(api, namespace):
    create(api, configmaps_url(namespace), configmap())
    response = api.put(configmaps_url(namespace, "cm"), json=configmap(data={"key": "forced"}))
    assert response.status_code == 200
    assert response.json()["data"] == {"key": "forced"}


def test_update_of_a_missing_object_is_404(api, namespace):
    assert_status(api.put(configmaps_url(namespace, "cm"), json=configmap()), 404, "NotFound")


@pytest.mark.parametrize(
    "preconditions",
    [
        pytest.param({"uid": "not-the-uid"}, id="a delete precondition on another uid is 409"),
        pytest.param({"resourceVersion": "1"}, id="a delete precondition on an old resourceVersion is 409"),
    ],
)
def test_delete_preconditions_must_match(api, namespace, shared_cluster, preconditions):
    create(api, configmaps_url(namespace), configmap())
    body = {"apiVersion": "v1", "kind": "DeleteOptions", "preconditions": preconditions}
    with store_unchanged(shared_cluster):
        response = api.request("DELETE", configmaps_url(namespace, "cm"), json=body)
    assert_status(response, 409, "Conflict")


def test_delete_with_matching_preconditions_deletes(api, namespace):
    created = create(api, configmaps_url(namespace), configmap())
    meta = created["metadata"]
    preconditions = {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]}
    response = api.request("DELETE", configmaps_url(namespace, "cm"), json={"preconditions": preconditions})
    assert response.status_code == 200
    assert_status(api.get(configmaps_url(namespace, "cm")), 404, "NotFound")


def test_object_with_a_finalizer_is_only_marked_for_deletion(api, namespace):
    create(api, configmaps_url(namespace), finalized(configmap(), "example.com/hold"))
    api.delete(configmaps_url(namespace, "cm"))
    marked = api.get(configmaps_url(namespace, "cm")).json()
    assert marked["metadata"]["deletionTimestamp"]
    assert marked["metadata"]["finalizers"] == ["example.com/hold"]


def test_delete_held_by_a_finalizer_answers_200_with_the_marked_object(api, namespace):
    # Upstream answers 202 only when orphanDependents=false was asked for.
    create(api, configmaps_url(namespace), finalized(configmap(), "example.com/hold"))
    response = api.delete(configmaps_url(namespace, "cm"))
    assert response.status_code == 200
    assert response.json()["metadata"]["deletionTimestamp"]


def test_removing_the_last_finalizer_deletes_a_marked_object(api, namespace):
    create(api, configmaps_url(namespace), finalized(configmap(), "example.com/a", "example.com/b"))
    api.delete(configmaps_url(namespace, "cm"))
    patch_headers = {"Content-Type": "application/merge-patch+json"}
    api.patch(
        configmaps_url(namespace, "cm"), json={"metadata": {"finalizers": ["example.com/b"]}}, headers=patch_headers
    )
    assert api.get(configmaps_url(namespace, "cm")).status_code == 200
    api.patch(configmaps_url(namespace, "cm"), json={"metadata": {"finalizers": None}}, headers=patch_headers)
    assert_status(api.get(configmaps_url(namespace, "cm")), 404, "NotFound")


def test_a_marked_object_takes_no_new_finalizers(api, namespace):
    create(api, configmaps_url(namespace), finalized(configmap(), "example.com/hold"))
    api.delete(configmaps_url(namespace, "cm"))
    response = api.patch(
        configmaps_url(namespace, "cm"),
        json={"metadata": {"finalizers": ["example.com/hold", "example.com/new"]}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert_status(response, 422, "Invalid")


def test_deletion_timestamp_cannot_be_set_by_update(api, namespace):
    created = create(api, configmaps_url(namespace), configmap())
    created["metadata"]["deletionTimestamp"] = "2030-01-01T00:00:00Z"
    updated = api.put(configmaps_url(namespace, "cm"), json=created).json()
    assert "deletionTimestamp" not in updated["metadata"]


@pytest.mark.parametrize(
    "method, path, body",
    [
        pytest.param("POST", "", configmap("dry"), id="dry-run create writes nothing"),
        pytest.param("PUT", "cm", configmap(data={"key": "dry"}), id="dry-run update writes nothing"),
        pytest.param("DELETE", "cm", None, id="dry-run delete writes nothing"),
    ],
)
def test_dry_run_all_writes_nothing(api, namespace, shared_cluster, method, path, body):
    create(api, configmaps_url(namespace), configmap())
    before = api.get(configmaps_url(namespace)).json()["items"]
    with store_unchanged(shared_cluster):
        response = api.request(method, configmaps_url(namespace, path), json=body, params={"dryRun": "All"})
    assert response.status_code in (200, 201), response.text
    assert api.get(configmaps_url(namespace)).json()["items"] == before


def test_dry_run_patch_answers_the_patched_object_but_writes_nothing(api, namespace, shared_cluster):
    create(api, configmaps_url(namespace), configmap())
    with store_unchanged(shared_cluster):
        response = api.patch(
            configmaps_url(namespace, "cm"),
            params={"dryRun": "All"},
            json={"data": {"key": "dry"}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert response.json()["data"] == {"key": "dry"}
    assert api.get(configmaps_url(namespace, "cm")).json()["data"] == {"key": "value"}


def test_strict_field_validation_rejects_unknown_fields(api, namespace, shared_cluster):
    manifest = job()
    manifest["spec"]["foo"] = 1
    with store_unchanged(shared_cluster):
        response = api.post(jobs_url(namespace), json=manifest, params={"fieldValidation": "Strict"})
    status = assert_status(response, 400, "BadRequest")
    assert status["message"] == 'strict decoding error: unknown field "spec.foo"'


def test_warn_field_validation_creates_and_warns(api, namespace):
    manifest = job()
    manifest["spec"]["foo"] = 1
    response = api.post(jobs_url(namespace), json=manifest, params={"fieldValidation": "Warn"})
    assert response.status_code == 201
    assert response.headers["Warning"] == '299 - "unknown field \\"spec.foo\\""'


def test_ignore_field_validation_creates_silently(api, namespace):
    manifest = job()
    manifest["spec"]["foo"] = 1
    response = api.post(jobs_url(namespace), json=manifest, params={"fieldValidation": "Ignore"})
    assert response.status_code == 201
    assert "Warning" not in response.headers


@pytest.mark.parametrize("mode", ["Warn", "Ignore"])
def test_unknown_fields_are_dropped_unless_strict(api, namespace, mode):
    manifest = job()
    manifest["spec"]["foo"] = 1
    create(api, jobs_url(namespace), manifest, fieldValidation=mode)
    assert "foo" not in api.get(jobs_url(namespace, "job")).json()["spec"]


def test_strict_field_validation_rejects_duplicate_fields(api, namespace):
    raw = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","name":"cm"}}'
    response = api.post(
        configmaps_url(namespace),
        content=raw,
        params={"fieldValidation": "Strict"},
        headers={"Content-Type": "application/json"},
    )
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith("strict decoding error: ")
    assert 'duplicate field "metadata.name"' in status["message"]


def test_owner_references_are_kept(api, namespace):
    owner = create(api, configmaps_url(namespace), configmap("owner"))
    reference = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    manifest = configmap("owned")
    manifest["metadata"]["ownerReferences"] = [reference]
    created = create(api, configmaps_url(namespace), manifest)
    assert created["metadata"]["ownerReferences"] == [reference]
