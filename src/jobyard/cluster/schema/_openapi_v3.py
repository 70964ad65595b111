"""``/openapi/v3``: an index of group-versions and an OpenAPI 3.0 document for each.

kubectl reads these before ``create``, ``apply`` and ``explain``: it finds the
group-version's URL in the index, fetches it, looks the kind up by its
``x-kubernetes-group-version-kind`` and checks the PATCH operation for
``fieldValidation``. The index names each document with a content hash, so
clients may cache a document for as long as the hash holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ._definitions import Node
from ._openapi_v2 import DOCUMENT_INFO, SECURITY_SCHEME, response_description
from ._routes import Operation, Parameter, Route, routes, served_definitions
from ._schema_dialect import OPENAPI_V3, openapi_definition, openapi_ref

if TYPE_CHECKING:  # kinds imports schema; a runtime import would be circular
    from jobyard.cluster.kinds._base import ResourceType

__all__ = ["openapi_v3_group", "openapi_v3_index"]


def _parameter(parameter: Parameter) -> Node:
    rendered: Node = {
        "description": parameter.description,
        "in": parameter.location,
        "name": parameter.name,
        "schema": {"type": parameter.type, "uniqueItems": True},
    }
    if parameter.required:
        rendered["required"] = True
    return rendered


def _operation(operation: Operation, tag: str) -> Node:
    schema = openapi_ref(operation.response, OPENAPI_V3) if operation.response else {"type": "string"}
    content = {media_type: {"schema": schema} for media_type in operation.produces}
    responses: dict[str, Any] = {
        code: {"content": content, "description": response_description(code)} for code in operation.success_codes
    }
    responses["401"] = {"description": "Unauthorized"}
    rendered: Node = {
        "description": operation.description,
        "operationId": operation.operation_id,
        "responses": responses,
        "tags": [tag],
    }
    if operation.parameters:
        rendered["parameters"] = [_parameter(each) for each in operation.parameters]
    if operation.request is not None:
        request_schema = openapi_ref(operation.request, OPENAPI_V3)
        rendered["requestBody"] = {
            "content": {media_type: {"schema": request_schema} for media_type in operation.consumes},
            "required": operation.request_required,
        }
    if operation.action:
        rendered["x-kubernetes-action"] = operation.action
    if operation.gvk:
        rendered["x-kubernetes-group-version-kind"] = operation.gvk
    return rendered


def _path_item(route: Route) -> Node:
    item: Node = {operation.method: _operation(operation, route.tag) for operation in route.operations}
    if route.parameters:
        item["parameters"] = [_parameter(each) for each in route.parameters]
    return item


def _document(group_types: tuple[ResourceType, ...]) -> Node:
    served_routes = routes(group_types)
    return {
        "components": {
            "schemas": {
                name: openapi_definition(name, OPENAPI_V3) for name in served_definitions(served_routes, group_types)
            },
            "securitySchemes": SECURITY_SCHEME,
        },
        "info": DOCUMENT_INFO,
        "openapi": "3.0.0",
        "paths": {route.path: _path_item(route) for route in served_routes},
        "security": [{"BearerToken": []}],
    }


def _index_key(resource_type: ResourceType) -> str:
    """``api/v1`` or ``apis/batch/v1``, as upstream keys the index."""
    return f"apis/{resource_type.api_version}" if resource_type.group else f"api/{resource_type.version}"


def _content_hash(document: Node) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha512(text.encode()).hexdigest().upper()


@cache
def _documents(resource_types: tuple[ResourceType, ...]) -> dict[str, tuple[Node, str]]:
    """Each group-version's document and its hash, keyed by group-version."""
    by_group_version: dict[str, list[ResourceType]] = {}
    for resource_type in resource_types:
        by_group_version.setdefault(resource_type.group_version, []).append(resource_type)
    documents: dict[str, tuple[Node, str]] = {}
    for group_version, group_types in sorted(by_group_version.items()):
        document = _document(tuple(group_types))
        documents[group_version] = (document, _content_hash(document))
    return documents


@cache
def _index(resource_types: tuple[ResourceType, ...]) -> Node:
    documents = _documents(resource_types)
    paths: dict[str, Node] = {}
    for resource_type in resource_types:
        key = _index_key(resource_type)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={documents[resource_type.group_version][1]}"}
    return {"paths": dict(sorted(paths.items()))}


def openapi_v3_index(resource_types: Iterable[ResourceType]) -> Node:
    """The ``/openapi/v3`` discovery document: where each group-version's document is."""
    return _index(tuple(resource_types))


def openapi_v3_group(group_version: str, resource_types: Iterable[ResourceType]) -> Node | None:
    """The OpenAPI 3.0 document of ``group_version`` (``v1``, ``batch/v1``), None if not served.

    Built once per set of resource types; serialise the result, never mutate it.
    """
    entry = _documents(tuple(resource_types)).get(group_version)
    return entry[0] if entry is not None else None
