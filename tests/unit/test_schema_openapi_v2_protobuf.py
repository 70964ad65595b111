"""The protobuf document, read back with a minimal wire-format reader."""

from typing import Any

import pytest

from jobyard.cluster.kinds._base import ResourceType
from jobyard.cluster.schema import openapi_v2, openapi_v2_protobuf
from jobyard.cluster.schema._openapi_v2_protobuf import encode_document

RESOURCE_TYPES = (
    ResourceType("batch", "v1", "Job", "jobs", "job", True, "io.k8s.api.batch.v1.Job", subresources=("status",)),
    ResourceType(
        "", "v1", "Pod", "pods", "pod", True, "io.k8s.api.core.v1.Pod", subresources=("status", "eviction", "log")
    ),
)


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, offset


def fields(data: bytes) -> list[tuple[int, Any]]:
    """(field number, bytes or int) pairs of one message."""
    out, offset = [], 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        if key & 7 == 2:
            length, offset = read_varint(data, offset)
            out.append((key >> 3, data[offset : offset + length]))
            offset += length
        else:
            value, offset = read_varint(data, offset)
            out.append((key >> 3, value))
    return out


def field(data: bytes, number: int) -> list[Any]:
    return [value for each, value in fields(data) if each == number]


def named(data: bytes, number: int) -> dict[str, bytes]:
    """A gnostic map: repeated Named* messages of (name=1, value=2)."""
    return {field(entry, 1)[0].decode(): field(entry, 2)[0] for entry in field(data, number)}


DOCUMENT = openapi_v2_protobuf(RESOURCE_TYPES)


def test_document_declares_swagger_2_and_info() -> None:
    assert field(DOCUMENT, 1) == [b"2.0"]
    info = field(DOCUMENT, 2)[0]
    assert field(info, 1) == [b"Kubernetes"]


def test_every_path_is_encoded() -> None:
    paths = named(field(DOCUMENT, 8)[0], 2)
    assert set(paths) == set(openapi_v2(RESOURCE_TYPES)["paths"])


def test_patch_carries_field_validation_and_its_kind() -> None:
    item = named(field(DOCUMENT, 8)[0], 2)["/apis/batch/v1/namespaces/{namespace}/jobs/{name}"]
    patch = field(item, 8)[0]
    query_names = set()
    for parameters_item in field(patch, 8):
        parameter = field(parameters_item, 1)[0]
        for non_body in field(parameter, 2):
            query = field(non_body, 3)[0]
            query_names.add(field(query, 4)[0].decode())
    assert {"fieldValidation", "dryRun", "fieldManager", "force"} <= query_names
    extensions = {field(each, 1)[0]: field(field(each, 2)[0], 2)[0] for each in field(patch, 13)}
    assert extensions[b"x-kubernetes-action"] == b'"patch"'
    assert extensions[b"x-kubernetes-group-version-kind"] == b'{"group": "batch", "kind": "Job", "version": "v1"}'


def test_definitions_keep_types_refs_and_markers() -> None:
    definitions = named(field(DOCUMENT, 9)[0], 1)
    assert set(definitions) == set(openapi_v2(RESOURCE_TYPES)["definitions"])
    pod_spec = definitions["io.k8s.api.core.v1.PodSpec"]
    properties = named(field(pod_spec, 25)[0], 1)
    containers = properties["containers"]
    assert field(field(containers, 22)[0], 1) == [b"array"]
    items = field(field(containers, 23)[0], 1)[0]
    assert field(items, 1) == [b"#/definitions/io.k8s.api.core.v1.Container"]
    markers = {field(each, 1)[0]: field(field(each, 2)[0], 2)[0] for each in field(containers, 31)}
    assert markers[b"x-kubernetes-patch-merge-key"] == b'"name"'


def test_a_schema_key_without_a_protobuf_field_is_refused() -> None:
    document = {**openapi_v2(RESOURCE_TYPES), "definitions": {"x": {"patternProperties": {}}}}
    with pytest.raises(ValueError, match="patternProperties"):
        encode_document(document)
