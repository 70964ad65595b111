"""``/openapi/v2``: one Swagger 2.0 document for every kind we serve."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ._definitions import KUBERNETES_SCHEMA_VERSION, Node
from ._routes import Operation, Parameter, Route, routes, served_definitions
from ._schema_dialect import OPENAPI_V2, openapi_definition, openapi_ref

if TYPE_CHECKING:  # kinds imports schema; a runtime import would be circular
    from jobyard.cluster.kinds._base import ResourceType

__all__ = ["DOCUMENT_INFO", "SECURITY_SCHEME", "openapi_v2", "response_description"]

DOCUMENT_INFO = {"title": "Kubernetes", "version": f"v{KUBERNETES_SCHEMA_VERSION}"}
SECURITY_SCHEME = {
    "BearerToken": {
        "description": "Bearer Token authentication",
        "in": "header",
        "name": "authorization",
        "type": "apiKey",
    }
}
_RESPONSE_DESCRIPTIONS = {"200": "OK", "201": "Created", "202": "Accepted"}


def response_description(code: str) -> str:
    return _RESPONSE_DESCRIPTIONS[code]


def _parameter(parameter: Parameter) -> Node:
    rendered: Node = {
        "description": parameter.description,
        "in": parameter.location,
        "name": parameter.name,
        "type": parameter.type,
        "uniqueItems": True,
    }
    if parameter.required:
        rendered["required"] = True
    return rendered


def _operation(operation: Operation, tag: str) -> Node:
    parameters = [_parameter(each) for each in operation.parameters]
    if operation.request is not None:
        body: dict[str, Any] = {"in": "body", "name": "body", "schema": openapi_ref(operation.request, OPENAPI_V2)}
        if operation.request_required:
            body["required"] = True
        parameters.insert(0, body)
    schema = openapi_ref(operation.response, OPENAPI_V2) if operation.response else {"type": "string"}
    responses: dict[str, Any] = {
        code: {"description": response_description(code), "schema": schema} for code in operation.success_codes
    }
    responses["401"] = {"description": "Unauthorized"}
    rendered: Node = {
        "consumes": list(operation.consumes),
        "description": operation.description,
        "operationId": operation.operation_id,
        "produces": list(operation.produces),
        "responses": responses,
        "schemes": ["https"],
        "tags": [tag],
    }
    if parameters:
        rendered["parameters"] = parameters
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


@cache
def _document(resource_types: tuple[ResourceType, ...]) -> Node:
    served_routes = routes(resource_types)
    return {
        "definitions": {
            name: openapi_definition(name, OPENAPI_V2) for name in served_definitions(served_routes, resource_types)
        },
        "info": DOCUMENT_INFO,
        "paths": {route.path: _path_item(route) for route in served_routes},
        "security": [{"BearerToken": []}],
        "securityDefinitions": SECURITY_SCHEME,
        "swagger": "2.0",
    }


def openapi_v2(resource_types: Iterable[ResourceType]) -> Node:
    """The Swagger 2.0 document of ``resource_types``, built once per set.

    The same dict is returned on every call: serialise it, never mutate it.
    """
    return _document(tuple(resource_types))
