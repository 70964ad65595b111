from typing import Any

import pytest

from jobyard.cluster.kinds._base import ResourceType
from jobyard.cluster.schema import openapi_v2

RESOURCE_TYPES = (
    ResourceType("batch", "v1", "Job", "jobs", "job", True, "io.k8s.api.batch.v1.Job", subresources=("status",)),
    ResourceType(
        "", "v1", "Pod", "pods", "pod", True, "io.k8s.api.core.v1.Pod", subresources=("status", "eviction", "log")
    ),
    ResourceType(
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        False,
        "io.k8s.api.core.v1.Namespace",
        subresources=("status",),
    ),
    ResourceType("", "v1", "ConfigMap", "configmaps", "configmap", True, "io.k8s.api.core.v1.ConfigMap"),
)
DOCUMENT = openapi_v2(RESOURCE_TYPES)
OPERATIONS = [
    (path, method, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if method != "parameters"
]


def walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def actions(path: str) -> dict[str, str]:
    return {
        method: op.get("x-kubernetes-action", "")
        for method, op in DOCUMENT["paths"][path].items()
        if method != "parameters"
    }


def test_document_declares_swagger_2_and_info() -> None:
    assert DOCUMENT["swagger"] == "2.0"
    assert DOCUMENT["info"] == {"title": "Kubernetes", "version": "v1.33.0"}


PATH_CASES = {
    "namespaced collection lists, creates and deletes collections": (
        "/apis/batch/v1/namespaces/{namespace}/jobs",
        {"get": "list", "post": "post", "delete": "deletecollection"},
    ),
    "namespaced item gets, replaces, patches, deletes": (
        "/apis/batch/v1/namespaces/{namespace}/jobs/{name}",
        {"get": "get", "put": "put", "patch": "patch", "delete": "delete"},
    ),
    "namespaced kinds list across namespaces": ("/apis/batch/v1/jobs", {"get": "list"}),
    "status subresource gets, replaces, patches": (
        "/apis/batch/v1/namespaces/{namespace}/jobs/{name}/status",
        {"get": "get", "put": "put", "patch": "patch"},
    ),
    "cluster-scoped collection has no namespace segment": (
        "/api/v1/namespaces",
        {"get": "list", "post": "post", "delete": "deletecollection"},
    ),
    "cluster-scoped item": (
        "/api/v1/namespaces/{name}",
        {"get": "get", "put": "put", "patch": "patch", "delete": "delete"},
    ),
    "eviction is a create": ("/api/v1/namespaces/{namespace}/pods/{name}/eviction", {"post": "post"}),
    "log is a get": ("/api/v1/namespaces/{namespace}/pods/{name}/log", {"get": "get"}),
    "watch paths watch a list": ("/api/v1/watch/namespaces/{namespace}/configmaps", {"get": "watchlist"}),
    "watch paths watch one object": ("/api/v1/watch/namespaces/{namespace}/configmaps/{name}", {"get": "watch"}),
}


@pytest.mark.parametrize(("path", "expected"), PATH_CASES.values(), ids=PATH_CASES.keys())
def test_paths_carry_upstream_actions(path: str, expected: dict[str, str]) -> None:
    assert actions(path) == expected


def test_a_kind_without_a_verb_has_no_operation_for_it() -> None:
    read_only = ResourceType(
        "", "v1", "Event", "events", "event", True, "io.k8s.api.core.v1.Event", verbs=("get", "list")
    )
    document = openapi_v2([read_only])
    assert set(document["paths"]["/api/v1/namespaces/{namespace}/events/{name}"]) == {"get", "parameters"}
    assert "/api/v1/watch/namespaces/{namespace}/events" not in document["paths"]


def test_every_operation_but_discovery_names_its_kind() -> None:
    for path, _, operation in OPERATIONS:
        if not path.endswith("/"):
            assert {"group", "version", "kind"} == set(operation["x-kubernetes-group-version-kind"]), path


def test_eviction_names_the_policy_kind() -> None:
    operation = DOCUMENT["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/eviction"]["post"]
    assert operation["x-kubernetes-group-version-kind"] == {"group": "policy", "kind": "Eviction", "version": "v1"}


def query_names(operation: dict) -> set[str]:
    return {each["name"] for each in operation.get("parameters", []) if each["in"] == "query"}


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_writes_declare_field_validation_dry_run_and_field_manager(method: str) -> None:
    writes = [operation for _, verb, operation in OPERATIONS if verb == method]
    assert writes
    for operation in writes:
        assert {"fieldValidation", "dryRun", "fieldManager"} <= query_names(operation), operation["operationId"]


def test_every_patch_declares_field_validation_because_kubectl_checks_only_patch() -> None:
    for _, method, operation in OPERATIONS:
        if method == "patch":
            assert "fieldValidation" in query_names(operation)
            assert operation["consumes"][-1] == "application/apply-patch+yaml"


def test_operation_ids_follow_upstream_naming() -> None:
    ids = {operation["operationId"] for _, _, operation in OPERATIONS}
    assert {
        "listBatchV1NamespacedJob",
        "patchBatchV1NamespacedJobStatus",
        "deleteBatchV1CollectionNamespacedJob",
        "listBatchV1JobForAllNamespaces",
        "createCoreV1NamespacedPodEviction",
        "readCoreV1NamespacedPodLog",
        "readCoreV1Namespace",
    } <= ids


def test_every_ref_resolves_inside_the_document() -> None:
    refs = [node["$ref"] for node in walk(DOCUMENT) if "$ref" in node]
    assert refs
    for ref in refs:
        assert ref.startswith("#/definitions/")
        assert ref.removeprefix("#/definitions/") in DOCUMENT["definitions"], ref


def test_no_json_schema_type_arrays_are_left() -> None:
    for node in walk(DOCUMENT["definitions"]):
        assert not isinstance(node.get("type"), list), node


def test_definitions_are_the_closure_plus_the_meta_types() -> None:
    names = set(DOCUMENT["definitions"])
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1."
    assert {
        "io.k8s.api.batch.v1.JobList",
        "io.k8s.api.core.v1.PodList",
        "io.k8s.api.policy.v1.Eviction",
        meta + "Status",
        meta + "DeleteOptions",
        meta + "ObjectMeta",
        meta + "ListMeta",
        meta + "WatchEvent",
        meta + "APIResourceList",
    } <= names
    assert "io.k8s.api.apps.v1.Deployment" not in names


def test_definitions_keep_the_kubernetes_markers() -> None:
    definitions = DOCUMENT["definitions"]
    containers = definitions["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]
    assert definitions["io.k8s.api.batch.v1.Job"]["x-kubernetes-group-version-kind"] == [
        {"group": "batch", "kind": "Job", "version": "v1"}
    ]


def test_type_meta_is_not_pinned_by_an_enum() -> None:
    assert "enum" not in DOCUMENT["definitions"]["io.k8s.api.batch.v1.Job"]["properties"]["apiVersion"]


def test_scalar_unions_are_published_as_upstream_does() -> None:
    definitions = DOCUMENT["definitions"]
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    assert definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string"


def test_document_is_built_once() -> None:
    assert openapi_v2(list(RESOURCE_TYPES)) is DOCUMENT
