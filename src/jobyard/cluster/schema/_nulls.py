"""JSON nulls as Go's decoder reads them into Kubernetes types.

A null field decodes to a nil pointer or a zero value, which the encoder
then omits: the field is as good as absent. A null array item or map value
decodes to its type's zero value: ``{}`` for an object, ``""`` for a string, ``0`` for a
number. Defaulting and validation then see what upstream's see.
"""

from __future__ import annotations

from typing import Any

from ._baseline import ABSENT, child, unchanged
from ._definitions import Node, definition, resolve

__all__ = ["decode_nulls"]

_ZERO_BY_TYPE: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}


def _types(node: Node) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    return set(declared or ())


def _zero(node: Node | None) -> Any:
    node = resolve(node) if node else {}
    types = _types(node) - {"null"}
    if "object" in types or node.get("properties"):
        return {}
    if "array" in types:
        return []
    for kind in ("string", "integer", "number", "boolean"):
        if kind in types:
            return _ZERO_BY_TYPE[kind]
    return None


def _decode(value: Any, node: Node | None, baseline: Any = ABSENT) -> Any:
    if unchanged(value, baseline):
        return value
    node = resolve(node) if node else None
    if isinstance(value, dict):
        properties = (node or {}).get("properties") or {}
        additional = (node or {}).get("additionalProperties")
        for key in [key for key, item in value.items() if item is None]:
            zero = _zero(additional) if key not in properties and isinstance(additional, dict) else None
            if zero is None:
                del value[key]
            else:
                value[key] = zero
        for key, item in value.items():
            schema = properties.get(key) if key in properties else additional if isinstance(additional, dict) else None
            _decode(item, schema, child(baseline, key))
    elif isinstance(value, list):
        items = (node or {}).get("items")
        for index, item in enumerate(value):
            if item is None:
                zero = _zero(items)
                if zero is not None:
                    value[index] = zero
            else:
                _decode(item, items, child(baseline, index))
    return value


def decode_nulls(obj: dict[str, Any], definition_name: str, unchanged_from: Any = ABSENT) -> dict[str, Any]:
    """Drop null fields and zero null array items of ``obj`` in place, and return it;
    subtrees equal to ``unchanged_from`` are skipped."""
    return _decode(obj, definition(definition_name), unchanged_from)
