"""Upstream definitions rewritten from JSON-schema flavour into OpenAPI.

``kubernetes-validate`` ships the definitions as JSON schema: nullable types
(``["string", "null"]``), ``#/$defs/`` refs, ``oneOf`` for the two scalar
unions and an ``enum`` pinning ``apiVersion``/``kind``. Upstream's
``/openapi/v2`` and ``/openapi/v3`` say the same things in OpenAPI terms; this
module translates one into the other and leaves every ``x-kubernetes-*``
marker in place, since kubectl reads them for patches and ``explain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._definitions import Node, definition, definition_name

__all__ = ["OPENAPI_V2", "OPENAPI_V3", "Dialect", "openapi_definition", "openapi_ref"]


@dataclass(frozen=True)
class Dialect:
    ref_prefix: str
    # OpenAPI 3 ignores keys beside a $ref, so upstream wraps the ref in allOf.
    wraps_described_refs: bool


OPENAPI_V2 = Dialect(ref_prefix="#/definitions/", wraps_described_refs=False)
OPENAPI_V3 = Dialect(ref_prefix="#/components/schemas/", wraps_described_refs=True)

# Upstream publishes both unions as strings; the custom JSON decoders accept
# the alternatives (numbers, integers).
_SCALAR_UNIONS: dict[str, Node] = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "description": "Quantity is a fixed-point number with a suffix, e.g. 100m, 1Gi.",
        "type": "string",
    },
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "description": "IntOrString holds an int32 or a string.",
        "format": "int-or-string",
        "type": "string",
    },
}
# kubernetes-validate pins these with an enum that upstream does not publish.
_TYPE_META_FIELDS = ("apiVersion", "kind")
_SCHEMA_MAPS = ("properties",)
_SCHEMA_VALUES = ("items", "additionalProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def openapi_ref(name: str, dialect: Dialect) -> Node:
    return {"$ref": dialect.ref_prefix + name}


def _single_type(type_: Any) -> Any:
    if isinstance(type_, list):
        concrete = [each for each in type_ if each != "null"]
        return concrete[0] if len(concrete) == 1 else concrete
    return type_


def _schema(node: Node, dialect: Dialect) -> Node:
    converted: Node = {}
    for key, value in node.items():
        if key == "$ref":
            converted[key] = dialect.ref_prefix + definition_name(value)
        elif key == "type":
            converted[key] = _single_type(value)
        elif key in _SCHEMA_MAPS:
            converted[key] = {name: _schema(each, dialect) for name, each in value.items()}
        elif key in _SCHEMA_VALUES and isinstance(value, dict):
            converted[key] = _schema(value, dialect)
        elif key in _SCHEMA_LISTS:
            converted[key] = [_schema(each, dialect) for each in value]
        else:
            converted[key] = value
    if dialect.wraps_described_refs and "$ref" in converted and len(converted) > 1:
        ref = converted.pop("$ref")
        converted = {"allOf": [{"$ref": ref}], **converted}
    return converted


def openapi_definition(name: str, dialect: Dialect) -> Node:
    """Definition ``name`` as an OpenAPI schema in ``dialect``."""
    if name in _SCALAR_UNIONS:
        return dict(_SCALAR_UNIONS[name])
    converted = _schema(definition(name), dialect)
    if "x-kubernetes-group-version-kind" in converted:
        properties = converted.get("properties", {})
        for field in _TYPE_META_FIELDS:
            if field in properties:
                properties[field] = {key: value for key, value in properties[field].items() if key != "enum"}
    return converted
