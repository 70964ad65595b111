"""``/openapi/v2`` in protobuf, the only encoding kubectl ≤ 1.29 reads.

kubectl asks for ``application/com.github.proto-openapi.spec.v2@v1.0+protobuf``
and decodes the answer as gnostic's ``openapi.v2.Document`` message; a JSON
body fails with "proto: cannot parse invalid wire-format data". This module
writes that message from the Swagger document of :mod:`._openapi_v2`, for the
subset of Swagger our documents use (field numbers from gnostic's
``OpenAPIv2.proto``). Extension values travel as YAML text; JSON is YAML.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ._definitions import Node
from ._openapi_v2 import openapi_v2

if TYPE_CHECKING:  # kinds imports schema; a runtime import would be circular
    from jobyard.cluster.kinds._base import ResourceType

__all__ = ["OPENAPI_V2_PROTOBUF_ACCEPT", "OPENAPI_V2_PROTOBUF_CONTENT_TYPE", "openapi_v2_protobuf"]

# What kubectl asks for, and what upstream answers with: Go's mime parser
# rejects the "@" of the former in a Content-Type.
OPENAPI_V2_PROTOBUF_ACCEPT = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
OPENAPI_V2_PROTOBUF_CONTENT_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

_LENGTH_DELIMITED = 2
_VARINT = 0


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _message(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | _LENGTH_DELIMITED) + _varint(len(payload)) + payload


def _string(field: int, value: str) -> bytes:
    return _message(field, value.encode()) if value else b""


def _strings(field: int, values: Iterable[str]) -> bytes:
    return b"".join(_message(field, value.encode()) for value in values)


def _bool(field: int, value: bool) -> bytes:
    return _varint(field << 3 | _VARINT) + b"\x01" if value else b""


def _any(value: Any) -> bytes:
    return _string(2, json.dumps(value))  # Any.yaml


def _named(name: str, payload: bytes) -> bytes:
    return _string(1, name) + _message(2, payload)


def _extensions(field: int, node: Node) -> bytes:
    return b"".join(_message(field, _named(key, _any(value))) for key, value in node.items() if key.startswith("x-"))


_SCHEMA_STRINGS = {"$ref": 1, "format": 2, "title": 3, "description": 4}


def _schema(node: Node) -> bytes:
    parts: list[bytes] = []
    for key, value in node.items():
        if key in _SCHEMA_STRINGS:
            parts.append(_string(_SCHEMA_STRINGS[key], value))
        elif key == "uniqueItems":
            parts.append(_bool(16, value))
        elif key == "required":
            parts.append(_strings(19, value))
        elif key == "enum":
            parts.extend(_message(20, _any(each)) for each in value)
        elif key == "additionalProperties":
            item = _message(1, _schema(value)) if isinstance(value, dict) else _bool(2, value)
            parts.append(_message(21, item))
        elif key == "type":
            parts.append(_message(22, _strings(1, [value] if isinstance(value, str) else value)))
        elif key == "items":
            parts.append(_message(23, b"".join(_message(1, _schema(each)) for each in _as_list(value))))
        elif key == "allOf":
            parts.extend(_message(24, _schema(each)) for each in value)
        elif key == "properties":
            named = (_message(1, _named(name, _schema(each))) for name, each in value.items())
            parts.append(_message(25, b"".join(named)))
        elif key.startswith("x-"):
            parts.append(_message(31, _named(key, _any(value))))
        else:
            raise ValueError(f"no protobuf field for schema key {key!r}")
    return b"".join(parts)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _parameter(parameter: Node) -> bytes:
    if parameter["in"] == "body":
        body = (
            _string(1, parameter.get("description", ""))
            + _string(2, parameter["name"])
            + _string(3, "body")
            + _bool(4, parameter.get("required", False))
            + _message(5, _schema(parameter["schema"]))
        )
        return _message(1, _message(1, body))  # ParametersItem.parameter.body_parameter
    common = (
        _bool(1, parameter.get("required", False))
        + _string(2, parameter["in"])
        + _string(3, parameter.get("description", ""))
        + _string(4, parameter["name"])
    )
    if parameter["in"] == "query":
        sub_schema = _message(
            3, common + _string(6, parameter["type"]) + _bool(20, parameter.get("uniqueItems", False))
        )
    elif parameter["in"] == "path":
        sub_schema = _message(
            4, common + _string(5, parameter["type"]) + _bool(19, parameter.get("uniqueItems", False))
        )
    else:
        raise ValueError(f"no protobuf form for a parameter in {parameter['in']!r}")
    return _message(1, _message(2, sub_schema))  # ParametersItem.parameter.non_body_parameter


def _responses(responses: Node) -> bytes:
    named = []
    for code, response in responses.items():
        encoded = _string(1, response["description"])
        if "schema" in response:
            encoded += _message(2, _message(1, _schema(response["schema"])))  # SchemaItem.schema
        named.append(_message(1, _named(code, _message(1, encoded))))  # ResponseValue.response
    return b"".join(named)


def _operation(operation: Node) -> bytes:
    return (
        _strings(1, operation.get("tags", []))
        + _string(3, operation.get("description", ""))
        + _string(5, operation.get("operationId", ""))
        + _strings(6, operation.get("produces", []))
        + _strings(7, operation.get("consumes", []))
        + b"".join(_message(8, _parameter(each)) for each in operation.get("parameters", []))
        + _message(9, _responses(operation["responses"]))
        + _strings(10, operation.get("schemes", []))
        + _extensions(13, operation)
    )


_PATH_ITEM_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8}


def _path_item(item: Node) -> bytes:
    parts = [
        _message(_PATH_ITEM_METHODS[method], _operation(item[method]))
        for method in _PATH_ITEM_METHODS
        if method in item
    ]
    parts.extend(_message(9, _parameter(each)) for each in item.get("parameters", []))
    return b"".join(parts)


def _security_definitions(schemes: Node) -> bytes:
    named = []
    for name, scheme in schemes.items():
        api_key = (
            _string(1, scheme["type"])
            + _string(2, scheme["name"])
            + _string(3, scheme["in"])
            + _string(4, scheme.get("description", ""))
        )
        named.append(_message(1, _named(name, _message(2, api_key))))  # SecurityDefinitionsItem.api_key_security
    return b"".join(named)


def _security(requirement: Node) -> bytes:
    return b"".join(_message(1, _named(name, _strings(1, scopes))) for name, scopes in requirement.items())


def encode_document(document: Node) -> bytes:
    """A Swagger 2.0 document as gnostic's ``openapi.v2.Document`` message."""
    info = _string(1, document["info"]["title"]) + _string(2, document["info"]["version"])
    paths = b"".join(_message(2, _named(path, _path_item(item))) for path, item in document["paths"].items())
    definitions = b"".join(
        _message(1, _named(name, _schema(schema))) for name, schema in document["definitions"].items()
    )
    return (
        _string(1, document["swagger"])
        + _message(2, info)
        + _message(8, paths)
        + _message(9, definitions)
        + b"".join(_message(12, _security(each)) for each in document.get("security", []))
        + _message(13, _security_definitions(document.get("securityDefinitions", {})))
    )


@cache
def _encoded(resource_types: tuple[ResourceType, ...]) -> bytes:
    return encode_document(openapi_v2(resource_types))


def openapi_v2_protobuf(resource_types: Iterable[ResourceType]) -> bytes:
    """``openapi_v2(resource_types)`` in protobuf, encoded once per set."""
    return _encoded(tuple(resource_types))
