from typing import Any

import pytest

from jobyard.cluster.kinds._base import ResourceType
from jobyard.cluster.schema import openapi_v3_group, openapi_v3_index

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
CORE = openapi_v3_group("v1", RESOURCE_TYPES)
BATCH = openapi_v3_group("batch/v1", RESOURCE_TYPES)


def walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def test_index_points_at_each_group_version_with_its_hash() -> None:
    index = openapi_v3_index(RESOURCE_TYPES)
    assert set(index["paths"]) == {"api/v1", "apis/batch/v1"}
    url = index["paths"]["apis/batch/v1"]["serverRelativeURL"]
    path, _, digest = url.partition("?hash=")
    assert path == "/openapi/v3/apis/batch/v1"
    assert len(digest) == 128 and digest == digest.upper()


def test_hash_changes_only_with_the_document() -> None:
    core_only = openapi_v3_index(RESOURCE_TYPES[1:])
    full = openapi_v3_index(RESOURCE_TYPES)
    assert core_only["paths"]["api/v1"] == full["paths"]["api/v1"]
    fewer_core = openapi_v3_index(RESOURCE_TYPES[:2])
    assert fewer_core["paths"]["api/v1"] != full["paths"]["api/v1"]


def test_unknown_group_version_has_no_document() -> None:
    assert openapi_v3_group("apps/v1", RESOURCE_TYPES) is None


def test_group_document_declares_openapi_3_and_info() -> None:
    assert BATCH["openapi"] == "3.0.0"
    assert BATCH["info"]["title"] == "Kubernetes"


def test_group_document_holds_only_its_group_versions_paths() -> None:
    assert all(path.startswith("/apis/batch/v1/") for path in BATCH["paths"])
    assert all(path.startswith("/api/v1/") for path in CORE["paths"])


@pytest.mark.parametrize("document", [CORE, BATCH], ids=["core", "batch"])
def test_every_ref_resolves_inside_the_document(document: dict) -> None:
    schemas = document["components"]["schemas"]
    for node in walk(document):
        if "$ref" in node:
            assert node["$ref"].removeprefix("#/components/schemas/") in schemas, node["$ref"]


@pytest.mark.parametrize("document", [CORE, BATCH], ids=["core", "batch"])
def test_refs_stand_alone_as_openapi_3_requires(document: dict) -> None:
    for node in walk(document["components"]["schemas"]):
        if "$ref" in node:
            assert set(node) == {"$ref"}


def test_a_described_ref_is_wrapped_in_all_of() -> None:
    metadata = BATCH["components"]["schemas"]["io.k8s.api.batch.v1.Job"]["properties"]["metadata"]
    assert metadata["allOf"] == [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    assert metadata["description"]


@pytest.mark.parametrize("document", [CORE, BATCH], ids=["core", "batch"])
def test_no_json_schema_type_arrays_are_left(document: dict) -> None:
    for node in walk(document["components"]["schemas"]):
        assert not isinstance(node.get("type"), list)


@pytest.mark.parametrize("document", [CORE, BATCH], ids=["core", "batch"])
def test_every_patch_declares_field_validation_in_the_operation(document: dict) -> None:
    patches = [operation for _, method, operation in operations(document) if method == "patch"]
    assert patches
    for operation in patches:
        names = {each["name"] for each in operation["parameters"] if each["in"] == "query"}
        assert {"fieldValidation", "dryRun", "fieldManager", "force"} <= names
        assert "application/apply-patch+yaml" in operation["requestBody"]["content"]


def test_create_has_a_request_body_and_created_response() -> None:
    create = BATCH["paths"]["/apis/batch/v1/namespaces/{namespace}/jobs"]["post"]
    job = {"$ref": "#/components/schemas/io.k8s.api.batch.v1.Job"}
    assert create["requestBody"] == {"content": {"*/*": {"schema": job}}, "required": True}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == job
    assert create["x-kubernetes-action"] == "post"
    assert create["x-kubernetes-group-version-kind"] == {"group": "batch", "kind": "Job", "version": "v1"}


def test_path_parameters_are_declared_on_the_path() -> None:
    item = CORE["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]
    declared = {(each["name"], each["in"], each.get("required", False)) for each in item["parameters"]}
    assert {("name", "path", True), ("namespace", "path", True), ("pretty", "query", False)} == declared


def test_log_answers_plain_text() -> None:
    log = CORE["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"]
    assert log["responses"]["200"]["content"] == {"text/plain": {"schema": {"type": "string"}}}


def test_kinds_are_found_by_their_group_version_kind() -> None:
    job = BATCH["components"]["schemas"]["io.k8s.api.batch.v1.Job"]
    assert job["x-kubernetes-group-version-kind"] == [{"group": "batch", "kind": "Job", "version": "v1"}]


def test_documents_are_built_once() -> None:
    assert openapi_v3_group("batch/v1", list(RESOURCE_TYPES)) is BATCH
