"""A written object decoded as upstream's JSON decoder reads it, in one walk.

Upstream decodes a create, update or patch body straight into Go structs, and
three things follow from that:

* a value of the wrong JSON type fails the request with 400 and Go's message
  (see ``_type_errors``);
* a JSON null decodes to a nil pointer or a zero value, which the encoder then
  omits: a null field is as good as absent, a null array item or map value
  becomes its type's zero value (``{}`` for an object, ``""`` for a string, ``0``
  for a number), so defaulting and validation see what upstream's see;
* a field the Go type lacks is dropped, and reported with ``fieldValidation``
  Strict or Warn (see ``_strict_decoding``).

:func:`decode` does all three in one walk over the object against the schema,
which the write path runs for every write: the same results as the three
walks it replaced (type errors, then nulls, then unknown fields; they are kept
as the reference in its tests), for the price of one walk. Subtrees equal to the stored
object a write changes are skipped (``_baseline``).

The unknown-field walk ran on the object with its nulls decoded: a null
unknown field is deleted, not reported, and a subtree that only differed from
the stored one by its nulls is skipped. Unknown fields are therefore dropped
at the end, and a subtree whose nulls were decoded is compared with the
stored one again before its unknown fields count.
"""

from __future__ import annotations

import threading
from typing import Any

from ._baseline import ABSENT, unchanged
from ._definitions import Node, definition, definition_name, resolve
from ._strict_decoding import _join
from ._type_errors import _INT_OR_STRING, _QUANTITY, _go_name, _go_type, _json_type, _json_value

__all__ = ["decode"]

_ZERO_BY_TYPE: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}


def _zero(node: Node | None) -> Any:
    """The zero value a null of this schema decodes to; None where it is dropped instead."""
    node = resolve(node) if node else {}
    declared = node.get("type")
    types = ({declared} if isinstance(declared, str) else set(declared or ())) - {"null"}
    if "object" in types or node.get("properties"):
        return {}
    if "array" in types:
        return []
    for kind in ("string", "integer", "number", "boolean"):
        if kind in types:
            return _ZERO_BY_TYPE[kind]
    return None


# How a step from a value to one of its parts is spelled in paths.
_FIELD, _MAP_KEY, _INDEX = 0, 1, 2

# Where a value sits: None for the root, else (where its parent sits, key, one of the above).
_At = tuple[Any, str | int, int] | None


class _Shape:
    """What the walk needs of a schema node, worked out once per node."""

    __slots__ = (
        "node",
        "struct",
        "types",
        "no_bool",
        "properties",
        "closed",
        "fields",
        "additional",
        "items",
        "preserve",
        "map_zero",
        "item_zero",
    )

    node: Node
    struct: str | None
    types: tuple[type, ...] | None
    no_bool: bool
    properties: dict[str, Node]
    closed: bool
    fields: dict[str, _Shape]
    additional: _Shape | None
    items: _Shape | None
    preserve: bool
    map_zero: Any
    item_zero: Any


_SHAPES: dict[int, _Shape] = {}
_BUILDING = threading.Lock()


def _expected(resolved: Node, ref: str | None) -> tuple[tuple[type, ...] | None, bool]:
    """The Python types a value must have (None: any), and whether a bool is refused
    although it is an int: ``_type_errors._accepts`` as a table."""
    if ref == _QUANTITY:
        return (str, int, float), True
    if ref == _INT_OR_STRING:
        return (str, int), True
    type_ = _json_type(resolved)
    if type_ == "string":
        return (str,), False
    if type_ == "integer":
        return (int,), True
    if type_ == "number":
        return (int, float), True
    if type_ == "boolean":
        return (bool,), False
    if type_ == "array":
        return (list,), False
    if type_ == "object" and ("properties" in resolved or "additionalProperties" in resolved):
        return (dict,), False
    return None, False  # free-form: RawExtension, FieldsV1


def _shape(node: Node) -> _Shape:
    # Schema nodes live as long as definitions() does, so their ids stay theirs;
    # a shape keeps its node besides. Shapes are published whole, each with every
    # shape it leads to, so that another thread never meets one half built.
    found = _SHAPES.get(id(node))
    if found is None:
        with _BUILDING:
            building: dict[int, _Shape] = {}
            found = _build(node, building)
            _SHAPES.update(building)
    return found


def _build(node: Node, building: dict[int, _Shape]) -> _Shape:
    found = _SHAPES.get(id(node)) or building.get(id(node))
    if found is not None:
        return found
    shape = building[id(node)] = _Shape()
    ref = definition_name(node["$ref"]) if "$ref" in node else None
    resolved = resolve(node)
    shape.node = node
    shape.struct = ref.rpartition(".")[2] if ref is not None and "properties" in resolved else None
    shape.types, shape.no_bool = _expected(resolved, ref)
    properties = resolved.get("properties")
    shape.properties = properties or {}
    shape.closed = properties is not None
    additional = resolved.get("additionalProperties")
    items = resolved.get("items")
    shape.preserve = bool(resolved.get("x-kubernetes-preserve-unknown-fields"))
    shape.map_zero = _zero(additional) if isinstance(additional, dict) else None
    shape.item_zero = _zero(items)
    # Children last: schemas are recursive (JSONSchemaProps), and this one is registered.
    shape.fields = {key: _build(each, building) for key, each in shape.properties.items()}
    shape.additional = _build(additional, building) if isinstance(additional, dict) else None
    shape.items = _build(items, building) if isinstance(items, dict) else None
    return shape


def _fresh(zero: Any) -> Any:
    return type(zero)() if isinstance(zero, (dict, list)) else zero


class _Found:
    __slots__ = ("errors", "unknown", "drops", "dropped")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.unknown: list[tuple[_At, str]] = []
        self.drops: list[tuple[dict[str, Any], str]] = []
        self.dropped: set[tuple[int, str]] = set()

    def forget_since(self, unknown: int) -> None:
        """Take back the unknown fields found since there were ``unknown`` of them."""
        for container, key in self.drops[unknown:]:
            self.dropped.discard((id(container), key))
        del self.unknown[unknown:]
        del self.drops[unknown:]


def _steps(at: _At) -> list[tuple[str | int, int]]:
    steps = []
    while at is not None:
        at, key, kind = at
        steps.append((key, kind))
    steps.reverse()
    return steps


def _type_error(value: Any, shape: _Shape, struct: str, at: _At) -> str:
    fields = [str(key) for key, kind in _steps(at) if kind == _FIELD]
    return (
        f"json: cannot unmarshal {_json_value(value)} into Go struct field "
        f"{struct}.{'.'.join(fields)} of type {_go_type(shape.node)}"
    )


def _path(at: _At, key: str) -> str:
    path = ""
    for step, kind in _steps(at):
        path = f"{path}[{step}]" if kind == _INDEX else _join(path, str(step))
    return _join(path, key)


def _refused(value: Any, shape: _Shape) -> bool:
    types = shape.types
    return types is not None and (not isinstance(value, types) or (shape.no_bool and type(value) is bool))


def _strip(value: Any, baseline: Any) -> bool:
    """Nulls under a schema that says nothing: null fields go, null items stay.
    True when something changed."""
    if unchanged(value, baseline):
        return False
    changed = False
    if isinstance(value, dict):
        nulls = [key for key, each in value.items() if each is None]
        for key in nulls:
            del value[key]
        changed = bool(nulls)
        for key, each in value.items():
            if isinstance(each, (dict, list)) and _strip(
                each, baseline.get(key, ABSENT) if isinstance(baseline, dict) else ABSENT
            ):
                changed = True
    elif isinstance(value, list):
        for index, each in enumerate(value):
            if isinstance(each, (dict, list)) and _strip(
                each, baseline[index] if isinstance(baseline, list) and index < len(baseline) else ABSENT
            ):
                changed = True
    return changed


def _walk(
    value: Any,
    shape: _Shape,
    baseline: Any,
    at: _At,
    struct: str,
    types: bool,
    unknown: bool,
    found: _Found,
    root: bool = False,
) -> bool:
    """Check, decode and look for unknown fields in ``value``, a dict or a list that
    differs from ``baseline``; ``types``/``unknown``: whether those walks reach it.
    True when its nulls were decoded (it changed)."""
    if types and not root:
        if _refused(value, shape):
            found.errors.append(_type_error(value, shape, struct, at))
            types = False
        elif shape.struct is not None:
            struct = shape.struct
    since = len(found.unknown)
    changed = False
    if isinstance(value, dict):
        if shape.preserve:
            unknown = False
        properties = shape.properties
        fields = shape.fields
        additional = shape.additional
        stored = baseline if isinstance(baseline, dict) else None
        nulls: list[str] | None = None
        for key, each in value.items():
            if each is None:
                if nulls is None:
                    nulls = []
                nulls.append(key)
                continue
            before = stored.get(key, ABSENT) if stored is not None else ABSENT
            child = fields.get(key)
            if child is not None:
                kind = _FIELD
                child_types = types
            elif additional is not None:
                child = additional
                kind = _MAP_KEY
                child_types = types and not root  # upstream's root types are structs
            else:
                # Unknown even where equal to the stored value, as unknown_fields has it.
                if unknown and shape.closed and (id(value), key) not in found.dropped:
                    found.unknown.append((at, key))
                    found.drops.append((value, key))
                    found.dropped.add((id(value), key))
                # Free-form (RawExtension, FieldsV1) keeps what it is given, nulls
                # decoded; an unknown field is dropped, unless it turns out unchanged.
                if isinstance(each, (dict, list)) and _strip(each, before):
                    changed = True
                continue
            if before is not ABSENT and type(each) is type(before) and each == before:
                continue
            if isinstance(each, (dict, list)):
                if _walk(each, child, before, (at, key, kind), struct, child_types, unknown, found):
                    changed = True
            elif child_types and _refused(each, child):
                found.errors.append(_type_error(each, child, struct, (at, key, kind)))
        if nulls is not None:
            changed = True
            for key in nulls:
                zero = shape.map_zero if additional is not None and key not in properties else None
                if zero is None:
                    del value[key]
                else:
                    value[key] = _fresh(zero)
    elif isinstance(value, list):
        items = shape.items
        stored_list = baseline if isinstance(baseline, list) else None
        for index, each in enumerate(value):
            if each is None:
                if shape.item_zero is not None:
                    value[index] = _fresh(shape.item_zero)
                    changed = True
                continue
            before = stored_list[index] if stored_list is not None and index < len(stored_list) else ABSENT
            if before is not ABSENT and type(each) is type(before) and each == before:
                continue
            if items is None:
                if isinstance(each, (dict, list)) and _strip(each, before):
                    changed = True
            elif isinstance(each, (dict, list)):
                if _walk(each, items, before, (at, index, _INDEX), struct, types, unknown, found):
                    changed = True
            elif types and _refused(each, items):
                found.errors.append(_type_error(each, items, struct, (at, index, _INDEX)))
    if changed and len(found.unknown) > since and unchanged(value, baseline):
        # Equal to the stored subtree once its nulls are decoded: nothing in it is unknown.
        found.forget_since(since)
    return changed


def decode(obj: Any, definition_name_: str, unchanged_from: Any = ABSENT) -> tuple[list[str], list[str]]:
    """Go's type errors in ``obj`` and the paths of its unknown fields, decoding it in place.

    The type errors are ``type_errors(obj, ...)``'s, in document order (upstream
    stops at the first; callers answering 400 use ``[0]``). With none, ``obj``
    has its nulls decoded and its unknown fields dropped, and their paths are
    returned, in document order. With type errors, ``obj`` may be partly decoded and the
    unknown fields are not reported: upstream fails the request.
    Subtrees equal to ``unchanged_from`` (the stored object a write changes) are skipped.
    """
    if not isinstance(obj, dict):
        return [f"json: cannot unmarshal {_json_value(obj)} into Go value of type {_go_name(definition_name_)}"], []
    shape = _shape(definition(definition_name_))
    struct = definition_name_.rpartition(".")[2]
    found = _Found()
    if unchanged(obj, unchanged_from):
        # Nothing to decode; the type check still compares each field, as type_errors
        # does: 1.0 equals a stored 1 but is no integer.
        for key, each in obj.items():
            child = shape.fields.get(key)
            before = unchanged_from.get(key, ABSENT)
            if child is None or each is None or unchanged(each, before):
                continue
            if isinstance(each, (dict, list)):
                _walk(each, child, before, (None, key, _FIELD), struct, True, False, found)
            elif _refused(each, child):
                found.errors.append(_type_error(each, child, struct, (None, key, _FIELD)))
        return found.errors, []
    _walk(obj, shape, unchanged_from, None, struct, True, not shape.preserve, found, root=True)
    if found.errors:
        return found.errors, []
    for container, key in found.drops:
        del container[key]
    return [], [_path(at, key) for at, key in found.unknown]
