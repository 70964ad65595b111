"""Discovery and OpenAPI documents, as kubectl and the client libraries read them."""

from __future__ import annotations

import pytest

from .support import assert_status


def resource(api, group_version: str, name: str) -> dict:
    base = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    resources = api.get(base).json()["resources"]
    return next(entry for entry in resources if entry["name"] == name)


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_core_api_lists_v1_with_and_without_a_trailing_slash(api, path):
    document = api.get(path).json()
    assert document["kind"] == "APIVersions"
    assert document["versions"] == ["v1"]
    assert document["serverAddressByClientCIDRs"]


@pytest.mark.parametrize("path", ["/apis", "/apis/"])
def test_group_list_names_batch_with_its_preferred_version(api, path):
    document = api.get(path).json()
    assert document["kind"] == "APIGroupList"
    batch = next(group for group in document["groups"] if group["name"] == "batch")
    assert batch["preferredVersion"] == {"groupVersion": "batch/v1", "version": "v1"}


def test_a_named_group_is_an_api_group(api):
    document = api.get("/apis/batch").json()
    assert document["kind"] == "APIGroup"
    assert document["name"] == "batch"


@pytest.mark.parametrize(
    "path, group_version",
    [("/api/v1", "v1"), ("/api/v1/", "v1"), ("/apis/batch/v1", "batch/v1"), ("/apis/batch/v1/", "batch/v1")],
)
def test_group_version_is_an_api_resource_list(api, path, group_version):
    document = api.get(path).json()
    assert document["kind"] == "APIResourceList"
    assert document["groupVersion"] == group_version


@pytest.mark.parametrize(
    "group_version, name, kind, namespaced, short_names",
    [
        pytest.param("v1", "pods", "Pod", True, ["po"], id="pods"),
        pytest.param("v1", "namespaces", "Namespace", False, ["ns"], id="namespaces"),
        pytest.param("v1", "configmaps", "ConfigMap", True, ["cm"], id="configmaps"),
        pytest.param("v1", "services", "Service", True, ["svc"], id="services"),
        pytest.param("v1", "serviceaccounts", "ServiceAccount", True, ["sa"], id="serviceaccounts"),
        pytest.param("v1", "nodes", "Node", False, ["no"], id="nodes"),
        pytest.param("v1", "events", "Event", True, ["ev"], id="events"),
        pytest.param("v1", "endpoints", "Endpoints", True, ["ep"], id="endpoints"),
        pytest.param("v1", "secrets", "Secret", True, None, id="secrets"),
        pytest.param("batch/v1", "jobs", "Job", True, None, id="jobs"),
    ],
)
def test_resource_entries_carry_kind_scope_short_names_and_every_verb(
    api, group_version, name, kind, namespaced, short_names
):
    entry = resource(api, group_version, name)
    assert (entry["kind"], entry["namespaced"], entry.get("shortNames")) == (kind, namespaced, short_names)
    assert sorted(entry["verbs"]) == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@pytest.mark.parametrize(
    "group_version, name, kind, verbs",
    [
        pytest.param("v1", "pods/status", "Pod", ["get", "patch", "update"], id="pods/status"),
        pytest.param("v1", "pods/eviction", "Eviction", ["create"], id="pods/eviction"),
        pytest.param("batch/v1", "jobs/status", "Job", ["get", "patch", "update"], id="jobs/status"),
    ],
)
def test_subresources_are_listed_with_their_verbs(api, group_version, name, kind, verbs):
    entry = resource(api, group_version, name)
    assert (entry["kind"], sorted(entry["verbs"])) == (kind, verbs)


def test_eviction_names_the_policy_group_it_is_served_in(api):
    entry = resource(api, "v1", "pods/eviction")
    assert (entry["group"], entry["version"]) == ("policy", "v1")


def test_jobs_belong_to_the_all_category(api):
    assert resource(api, "batch/v1", "jobs")["categories"] == ["all"]


def test_an_unknown_group_version_is_404(api):
    assert_status(api.get("/apis/apps/v1"), 404, "NotFound")


def test_openapi_v2_is_a_swagger_document_defining_the_served_kinds(api):
    document = api.get("/openapi/v2", headers={"Accept": "application/json"}).json()
    assert document["swagger"] == "2.0"
    definition = document["definitions"]["io.k8s.api.batch.v1.Job"]
    assert definition["x-kubernetes-group-version-kind"] == [{"group": "batch", "kind": "Job", "version": "v1"}]
    assert "io.k8s.api.core.v1.Pod" in document["definitions"]


def test_openapi_v3_index_points_at_each_group_version(api):
    paths = api.get("/openapi/v3").json()["paths"]
    assert {"api/v1", "apis/batch/v1"} <= paths.keys()
    assert paths["apis/batch/v1"]["serverRelativeURL"].startswith("/openapi/v3/apis/batch/v1?hash=")


@pytest.mark.parametrize(
    "group_version, schema_name",
    [("api/v1", "io.k8s.api.core.v1.Pod"), ("apis/batch/v1", "io.k8s.api.batch.v1.Job")],
)
def test_openapi_v3_group_document_holds_its_kinds_schemas(api, group_version, schema_name):
    url = api.get("/openapi/v3").json()["paths"][group_version]["serverRelativeURL"]
    document = api.get(url).json()
    assert document["openapi"].startswith("3.")
    assert schema_name in document["components"]["schemas"]
