"""Field sets: which fields of an object a manager owns.

A path is a tuple of elements, as structured-merge-diff names them:
``("f", name)`` a field or map key, ``("k", '{"name":"c"}')`` an element of an
associative list by its ``x-kubernetes-list-map-keys``, ``("v", '"x"')`` an
element of a set, ``("i", 3)`` a position. A set is a ``frozenset`` of paths;
it encodes to and from ``fieldsV1`` (``{"f:spec": {"k:{…}": {".": {}}}}``).

:func:`field_set` is upstream's ``ToFieldSet``: every leaf (scalars, atomic
lists and maps), every list element and every free-form map entry; struct
fields in between are implied. :func:`compare` is upstream's ``Compare``.
Lists without a list-type marker, and values the schema does not describe,
are atomic — as upstream treats them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from jobyard.cluster.errors import BadRequest
from jobyard.cluster.schema import resolve

from ._markers import Node, field_node, is_atomic_map, is_struct, item_node, list_map_keys, list_type

__all__ = [
    "Comparison",
    "FieldSet",
    "Path",
    "compact",
    "compare",
    "decode_fields",
    "element_of",
    "encode_fields",
    "field_set",
    "path_string",
    "with_prefixes",
]

Element = tuple[str, Any]
Path = tuple[Element, ...]
FieldSet = frozenset[Path]

# Key fields upstream's schemas default, so an element that omits them is
# still identified as the defaulted object will be.
_KEY_DEFAULTS = {"protocol": "TCP"}
_MISSING = object()


# One encoder, not one per call: json.dumps builds a new one for any non-default option, and
# compact runs for every list element of every write.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True)
_ORJSON_EXACT = (str, int, bool, type(None))


def compact(value: Any) -> str:
    """JSON text without spaces, keys sorted, non-ASCII kept: the form of set and map keys."""
    if type(value) is dict and all(type(item) in _ORJSON_EXACT for item in value.values()):
        # A list-map element's keys: orjson writes the very same text for everything but floats
        # (and refuses ints beyond 64 bits and lone surrogates), five times faster.
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:
            pass
    return _COMPACT.encode(value)


def _same_json(old: Any, new: Any) -> bool:
    """Whether two values are the same JSON (``1`` is not ``1.0``, nor ``true``), as their texts tell."""
    try:
        # orjson writes floats in other words than json, but the same way on both sides.
        return bool(orjson.dumps(old, option=orjson.OPT_SORT_KEYS) == orjson.dumps(new, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return compact(old) == compact(new)


def element_of(node: Node | None, item: Any, index: int) -> Element:
    """The path element naming ``item`` within the list ``node`` describes."""
    kind = list_type(node)
    if kind == "set":
        return ("v", compact(item))
    if kind == "map" and isinstance(item, dict):
        keys = {}
        for name in list_map_keys(node):
            value = item.get(name, _KEY_DEFAULTS.get(name, _MISSING))
            if value is not _MISSING:
                keys[name] = value
        return ("k", compact(keys))
    return ("i", index)


def field_set(value: Any, node: Node | None, prefix: Path = ()) -> FieldSet:
    paths: set[Path] = set()
    _collect(value, node, prefix, paths)
    return frozenset(paths)


def _collect(value: Any, node: Node | None, path: Path, out: set[Path]) -> None:
    if isinstance(value, dict) and not is_atomic_map(node):
        struct = is_struct(node)
        for key, child in value.items():
            child_path = path + (("f", key),)
            _collect(child, field_node(node, key), child_path, out)
            if not (struct and key in _declared(node)):
                out.add(child_path)
    elif isinstance(value, list) and list_type(node) in ("map", "set"):
        element = item_node(node)
        for index, item in enumerate(value):
            item_path = path + (element_of(node, item, index),)
            _collect(item, element, item_path, out)
            out.add(item_path)
    elif path:
        out.add(path)


def _declared(node: Node | None) -> dict[str, Any]:
    return (resolve(node).get("properties") or {}) if node is not None else {}


@dataclass(frozen=True)
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet

    @property
    def changed(self) -> FieldSet:
        return self.added | self.modified


def compare(old: Any, new: Any, node: Node | None, *, maps_are_members: bool = False) -> Comparison:
    """What differs from ``old`` to ``new``: paths added, modified, removed.

    ``maps_are_members`` counts a map or empty object that appears as owned
    itself, as upstream's update path does for maps a typed object omits when
    empty (labels, annotations, data).
    """
    added: set[Path] = set()
    modified: set[Path] = set()
    removed: set[Path] = set()
    _compare(old, new, node, (), added, modified, removed, maps_are_members)
    return Comparison(frozenset(added), frozenset(modified), frozenset(removed))


def _compare(
    old: Any,
    new: Any,
    node: Node | None,
    path: Path,
    added: set[Path],
    modified: set[Path],
    removed: set[Path],
    maps_are_members: bool,
) -> None:
    if old is _MISSING:
        added.update(field_set(new, node, path))
        if path and maps_are_members and isinstance(new, dict) and (not is_struct(node) or not new):
            added.add(path)
        return
    if new is _MISSING:
        removed.update(field_set(old, node, path))
        removed.add(path)
        return
    if isinstance(old, dict | list) and old == new:
        # Equal subtrees hold no change; most of an object is untouched by a write.
        return
    if isinstance(old, dict) and isinstance(new, dict) and not is_atomic_map(node) and (old or new):
        for key in list(old) + [key for key in new if key not in old]:
            _compare(
                old.get(key, _MISSING),
                new.get(key, _MISSING),
                field_node(node, key),
                path + (("f", key),),
                added,
                modified,
                removed,
                maps_are_members,
            )
        return
    if isinstance(old, list) and isinstance(new, list) and list_type(node) in ("map", "set") and (old or new):
        element = item_node(node)
        before = {element_of(node, item, index): item for index, item in enumerate(old)}
        after = {element_of(node, item, index): item for index, item in enumerate(new)}
        for key in list(before) + [key for key in after if key not in before]:
            item_path = path + (key,)
            _compare(
                before.get(key, _MISSING),
                after.get(key, _MISSING),
                element,
                item_path,
                added,
                modified,
                removed,
                maps_are_members,
            )
            if key not in before:
                added.add(item_path)
        return
    if not _same_json(old, new):
        modified.add(path)
        if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
            removed.update(field_set(old, node, path) - field_set(new, node, path))
            added.update(field_set(new, node, path))


def with_prefixes(paths: Iterable[Path]) -> frozenset[Path]:
    """``paths`` and every path above them."""
    return frozenset(path[:end] for path in paths for end in range(1, len(path) + 1))


def encode_fields(paths: FieldSet) -> dict[str, Any]:
    """A field set in upstream's ``fieldsV1`` trie encoding."""
    tree: dict[str, Any] = {}
    for path in sorted(paths, key=_sort_key):
        branch = tree
        for element in path:
            branch = branch.setdefault(_element_text(element), {})
    _mark_members(tree, (), paths)
    return tree


def _mark_members(tree: dict[str, Any], path: Path, paths: FieldSet) -> None:
    for text, branch in tree.items():
        child = path + (_element_from_text(text),)
        _mark_members(branch, child, paths)
        if branch and child in paths:
            branch["."] = {}
            tree[text] = dict(sorted(branch.items()))


def decode_fields(tree: Any) -> FieldSet:
    if not isinstance(tree, dict):
        raise BadRequest("managed fields: fieldsV1 must be an object")
    paths: set[Path] = set()
    _decode(tree, (), paths)
    return frozenset(paths)


def _decode(tree: dict[str, Any], path: Path, out: set[Path]) -> None:
    for text, branch in tree.items():
        if text == ".":
            if path:
                out.add(path)
            continue
        child = path + (_element_from_text(text),)
        if not isinstance(branch, dict):
            raise BadRequest(f"managed fields: value of {text!r} must be an object")
        if branch:
            _decode(branch, child, out)
        else:
            out.add(child)


def _element_text(element: Element) -> str:
    kind, value = element
    return f"{kind}:{value}"


def _element_from_text(text: str) -> Element:
    kind, colon, value = text.partition(":")
    if not colon or kind not in ("f", "k", "v", "i"):
        raise BadRequest(f"managed fields: unknown path element {text!r}")
    if kind == "i":
        return (kind, int(value))
    if kind in ("k", "v"):
        return (kind, compact(json.loads(value)))
    return (kind, value)


def path_string(path: Path) -> str:
    """A path as upstream prints it: ``.spec.containers[name="c"].image``."""
    parts = []
    for kind, value in path:
        if kind == "f":
            parts.append(f".{value}")
        elif kind == "k":
            keys = json.loads(value)
            parts.append("[" + ",".join(f"{name}={compact(keys[name])}" for name in keys) + "]")
        elif kind == "v":
            parts.append(f"[={value}]")
        else:
            parts.append(f"[{value}]")
    return "".join(parts)


def _sort_key(path: Path) -> tuple[str, ...]:
    return tuple(_element_text(element) for element in path)
