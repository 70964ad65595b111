"""Values of the wrong JSON type, reported as upstream's JSON decoder does.

Upstream decodes a body straight into Go structs, so a string where an
integer belongs fails the request with 400 and Go's message:
``json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.activeDeadlineSeconds of type int64``.
The struct is the Go type owning the field; the path is the JSON field names
from the root, without array indexes or map keys, as Go prints it.
"""

from __future__ import annotations

from typing import Any

from ._baseline import ABSENT, child, unchanged
from ._definitions import Node, definition, definition_name, resolve

__all__ = ["type_errors"]

_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_GO_INTEGERS = {"int32": "int32", "int64": "int64"}


def _go_name(name: str) -> str:
    """``v1.PodSpec`` for ``io.k8s.api.core.v1.PodSpec``: package and type."""
    package, _, type_name = name.rpartition(".")
    return f"{package.rpartition('.')[2]}.{type_name}"


def _json_type(node: Node) -> str | None:
    type_ = node.get("type")
    if isinstance(type_, list):
        concrete = [each for each in type_ if each != "null"]
        type_ = concrete[0] if len(concrete) == 1 else None
    return type_


def _go_type(node: Node) -> str:
    if "$ref" in node:
        return _go_name(definition_name(node["$ref"]))
    type_ = _json_type(node)
    if type_ == "integer":
        return _GO_INTEGERS.get(node.get("format", ""), "int")
    if type_ == "number":
        return "float64"
    if type_ == "boolean":
        return "bool"
    if type_ == "array":
        return "[]" + _go_type(node.get("items") or {})
    if type_ == "object" and isinstance(node.get("additionalProperties"), dict):
        return "map[string]" + _go_type(node["additionalProperties"])
    if type_ == "string":
        return "string"
    return "interface {}"


def _json_value(value: Any) -> str:
    """Go's description of a JSON value: "string", "number 1.5", "bool", "array", "object"."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"number {value}" if isinstance(value, float) else "number"


def _accepts(node: Node, ref: str | None, value: Any) -> bool:
    if value is None:
        return True
    if ref == _QUANTITY:
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if ref == _INT_OR_STRING:
        return isinstance(value, (str, int)) and not isinstance(value, bool)
    type_ = _json_type(node)
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_ == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_ == "boolean":
        return isinstance(value, bool)
    if type_ == "array":
        return isinstance(value, list)
    if type_ == "object" and ("properties" in node or "additionalProperties" in node):
        return isinstance(value, dict)
    return True  # free-form: RawExtension, FieldsV1


def _check(value: Any, node: Node, struct: str, fields: list[str], found: list[str], baseline: Any = ABSENT) -> None:
    if unchanged(value, baseline):
        return
    ref = definition_name(node["$ref"]) if "$ref" in node else None
    resolved = resolve(node)
    if not _accepts(resolved, ref, value):
        found.append(
            f"json: cannot unmarshal {_json_value(value)} into Go struct field "
            f"{struct}.{'.'.join(fields)} of type {_go_type(node)}"
        )
        return
    if ref is not None and "properties" in resolved:
        struct = ref.rpartition(".")[2]
    if isinstance(value, list) and isinstance(resolved.get("items"), dict):
        for index, each in enumerate(value):
            _check(each, resolved["items"], struct, fields, found, child(baseline, index))
    elif isinstance(value, dict):
        properties = resolved.get("properties") or {}
        additional = resolved.get("additionalProperties")
        for key, each in value.items():
            if key in properties:
                _check(each, properties[key], struct, [*fields, key], found, child(baseline, key))
            elif isinstance(additional, dict):
                _check(each, additional, struct, fields, found, child(baseline, key))


def type_errors(obj: Any, definition_name_: str, unchanged_from: Any = ABSENT) -> list[str]:
    """Go's decode error for every value in ``obj`` of the wrong JSON type, in document order.

    Upstream stops at the first; callers answering 400 use ``type_errors(...)[0]``.
    Subtrees equal to ``unchanged_from`` (the stored object a write changes) are skipped.
    """
    root = definition(definition_name_)
    if not isinstance(obj, dict):
        return [f"json: cannot unmarshal {_json_value(obj)} into Go value of type {_go_name(definition_name_)}"]
    found: list[str] = []
    struct = definition_name_.rpartition(".")[2]
    properties = root.get("properties") or {}
    for key, each in obj.items():
        if key in properties:
            _check(each, properties[key], struct, [key], found, child(unchanged_from, key))
    return found
