"""Strategic merge patch, ``application/strategic-merge-patch+json``.

The server half of upstream's ``k8s.io/apimachinery/pkg/util/strategicpatch``
(``StrategicMergeMapPatch``), driven by the ``x-kubernetes-patch-strategy`` and
``x-kubernetes-patch-merge-key`` markers of the kind's OpenAPI definition:

* maps merge key by key; ``null`` deletes a key;
* lists with strategy ``merge`` and a merge key (containers, env, volumes,
  ports, conditions, ownerReferences …) merge element by element; lists of
  primitives with strategy ``merge`` (finalizers) merge as ordered sets; every
  other list is replaced;
* directives: ``$patch: replace|delete`` on a map, ``$patch: delete|replace``
  as a list element, ``$deleteFromPrimitiveList/<field>``,
  ``$setElementOrder/<field>`` and ``$retainKeys`` — the ones
  ``kubectl apply`` and ``kubectl patch`` send.

Merged lists are ordered as upstream orders them: ``$setElementOrder`` first,
then the order within the patch, then the live order; an element the patch
adds without an order list goes before the live elements it does not mention.

Where upstream keeps raw patch content (a field the live object lacks takes
the patch value verbatim, directives included, and the typed decode later
drops what does not fit) we merge that value into nothing instead, which
drops the directives and ``null`` values the same decode would. Deleting from
a primitive list the object does not have is a no-op here (upstream would
store the deletion list as the value). Errors upstream leaves unmapped, which
surface there as 500, are 400 here: bad input never gives a 500.
"""

from __future__ import annotations

import json
from typing import Any

from jobyard.cluster.schema import definition
from jobyard.cluster.store import copy_json

from ._errors import bad_patch, go_json_kind, not_applicable
from ._markers import Node, field_node, item_node, patch_strategy

__all__ = ["strategic_merge_patch"]

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"

_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_SET_ELEMENT_ORDER = "invalid patch format of setElementOrder list"


def strategic_merge_patch(doc: dict[str, Any], patch: Any, definition_name: str) -> dict[str, Any]:
    """Apply a strategic merge ``patch`` to ``doc``, an object of ``definition_name``."""
    if patch is None:
        return copy_json(doc)
    if not isinstance(patch, dict):
        raise bad_patch(f"json: cannot unmarshal {go_json_kind(patch)} into Go value of type map[string]interface {{}}")
    return _merge_map(copy_json(doc), copy_json(patch), definition(definition_name))


def _merge_map(original: dict[str, Any], patch: dict[str, Any], node: Node | None) -> dict[str, Any]:
    if DIRECTIVE in patch:
        directive = patch.pop(DIRECTIVE)
        if directive == "replace":
            return _merge_map({}, patch, node)
        if directive == "delete":
            return {}
        patch[DIRECTIVE] = directive
        raise bad_patch(f"unknown patch type: {_go_format(directive)} in map: {_go_format(patch)}")
    _retain_keys(original, patch)
    _set_element_orders(original, patch, node)
    deletions: list[tuple[str, Any]] = []
    for key, value in patch.items():
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            deletions.append((_directive_field(key, DELETE_FROM_PRIMITIVE_LIST, _BAD_PRIMITIVE_LIST), value))
        elif value is None:
            original.pop(key, None)
        elif key in original:
            original[key] = _merge_value(original[key], value, field_node(node, key))
        else:
            original[key] = _fresh(value, field_node(node, key))
    for field, doomed in deletions:
        if not isinstance(doomed, list):
            raise bad_patch(_BAD_PRIMITIVE_LIST)
        if isinstance(original.get(field), list):
            unwanted = {_identity(item) for item in doomed}
            original[field] = [item for item in original[field] if _identity(item) not in unwanted]
    return original


def _merge_value(original: Any, patch: Any, node: Node | None) -> Any:
    if _category(original) != _category(patch):
        return _fresh(patch, node)
    strategies, merge_key = patch_strategy(node)
    if isinstance(patch, dict):
        if "replace" in strategies:
            return _fresh(patch, node)
        return _merge_map(original, patch, node)
    if isinstance(patch, list):
        if "merge" in strategies:
            return _merge_list(original, patch, node, merge_key)
        return _fresh(patch, node)
    return patch


def _fresh(value: Any, node: Node | None) -> Any:
    """A patch value for a field the object lacks, cleaned of directives and nulls."""
    if isinstance(value, dict):
        return _merge_map({}, value, node)
    if isinstance(value, list):
        strategies, merge_key = patch_strategy(node)
        if "merge" in strategies and any(isinstance(item, dict) for item in value):
            return _merge_list([], value, node, merge_key)
        element = item_node(node)
        return [_fresh(item, element) if isinstance(item, dict) else item for item in value]
    return value


def _merge_list(original: list[Any], patch: list[Any], node: Node | None, merge_key: str | None) -> list[Any]:
    if not original and not patch:
        return original
    categories = {_category(item) for item in original + patch}
    if "list" in categories:
        raise not_applicable()
    if len(categories) > 1:
        raise bad_patch(f"list element types are not identical: {_go_format([original, patch])}")
    if categories == {"map"}:
        if not merge_key:
            raise bad_patch("cannot merge lists without merge key for type map")
        original, patch = _special_elements(original, patch, node, merge_key)
        merged = _merge_by_key(original, patch, node, merge_key)
    else:
        merged = _deduplicated(original + patch)
        merge_key = None
    in_patch, server_only = _partition(merged, patch, merge_key)
    return _ordered(in_patch, server_only, patch, original, merge_key)


def _special_elements(
    original: list[Any], patch: list[Any], node: Node | None, merge_key: str
) -> tuple[list[Any], list[Any]]:
    """Apply the ``$patch`` list elements; return the list and the plain patch elements."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise bad_patch(_no_merge_key(item, merge_key))
            original = [kept for kept in original if not _same_key(kept, merge_key, item[merge_key])]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise bad_patch("merging lists cannot yet be specified in the patch")
        else:
            raise bad_patch(f"unknown patch type: {_go_format(directive)} in map: {_go_format(item)}")
    if replace:
        element = item_node(node)
        return [_fresh(item, element) for item in plain], []
    return original, plain


def _merge_by_key(original: list[Any], patch: list[Any], node: Node | None, merge_key: str) -> list[Any]:
    element = item_node(node)
    merged = list(original)
    for item in patch:
        if merge_key not in item:
            raise bad_patch(_no_merge_key(item, merge_key))
        position = _position(merged, item, merge_key)
        if position < 0:
            merged.append(_fresh(item, element))
        else:
            merged[position] = _merge_map(merged[position], item, element)
    return merged


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if RETAIN_KEYS not in patch:
        return
    retained = patch.pop(RETAIN_KEYS)
    if not isinstance(retained, list):
        raise bad_patch(_BAD_RETAIN_KEYS)
    names = {name for name in retained if isinstance(name, str)}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in names:
            raise bad_patch(_BAD_RETAIN_KEYS)
    for key in [key for key in original if key not in names]:
        del original[key]


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], node: Node | None) -> None:
    for directive_key in [key for key in patch if key.startswith(SET_ELEMENT_ORDER)]:
        order = patch.pop(directive_key)
        field = _directive_field(directive_key, SET_ELEMENT_ORDER, _BAD_SET_ELEMENT_ORDER)
        if not isinstance(order, list):
            raise bad_patch(_BAD_SET_ELEMENT_ORDER)
        target = field_node(node, field)
        strategies, merge_key = patch_strategy(target)
        current, change = original.get(field), patch.get(field)
        if "merge" not in strategies:
            continue
        if (field in original and not isinstance(current, list)) or (field in patch and not isinstance(change, list)):
            continue
        if not any(isinstance(item, dict) for item in (current or []) + (change or []) + order):
            merge_key = None
        _check_order(change or [], order, merge_key)
        if field not in original and field not in patch:
            continue
        if field not in patch:
            merged = current
        elif field not in original:
            merged = _merge_list([], change or [], target, merge_key)
        else:
            merged = _merge_list(current or [], change or [], target, merge_key)
        patch.pop(field, None)
        in_order, server_only = _partition(merged or [], order, merge_key)
        original[field] = _ordered(in_order, server_only, order, current or [], merge_key)


def _check_order(patch_list: list[Any], order: list[Any], merge_key: str | None) -> None:
    """Every element the patch names must appear in the order list, in that order."""
    if not patch_list or not order:
        return
    named = [
        item for item in patch_list if not (merge_key and isinstance(item, dict) and item.get(DIRECTIVE) == "delete")
    ]
    at, seen = 0, 0
    while at < len(named) and seen < len(order):
        item = named[at]
        if isinstance(item, dict) and DIRECTIVE in item:
            at += 1
            continue
        if _key_of(item, merge_key) == _key_of(order[seen], merge_key):
            at += 1
        seen += 1
    if at < len(named):
        raise bad_patch(
            f"The order in patch list:\n{_go_format(patch_list)}\n doesn't match "
            f"{SET_ELEMENT_ORDER} list:\n{_go_format(order)}\n"
        )


def _partition(items: list[Any], by: list[Any], merge_key: str | None) -> tuple[list[Any], list[Any]]:
    """Split ``items`` into those ``by`` names and those only the server has."""
    named = {_key_of(item, merge_key) for item in by}
    inside = [item for item in items if _key_of(item, merge_key) in named]
    outside = [item for item in items if _key_of(item, merge_key) not in named]
    return inside, outside


def _ordered(
    in_patch: list[Any], server_only: list[Any], patch_order: list[Any], server_order: list[Any], merge_key: str | None
) -> list[Any]:
    """Interleave patch elements (patch order) with server-only ones (live order).

    Each server-only element goes before the next patch element only when the
    live list had both and had it first; otherwise the patch element wins.
    """
    left = _sorted_by(server_only, server_order, merge_key)
    right = _sorted_by(in_patch, patch_order, merge_key)
    positions = {
        key: index for index, key in reversed(list(enumerate(_key_of(item, merge_key) for item in server_order)))
    }
    merged: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            merged.append(left[i])
            i += 1
        elif i >= len(left):
            merged.append(right[j])
            j += 1
        else:
            left_at = positions.get(_key_of(left[i], merge_key))
            right_at = positions.get(_key_of(right[j], merge_key))
            if left_at is not None and right_at is not None and left_at < right_at:
                merged.append(left[i])
                i += 1
            else:
                merged.append(right[j])
                j += 1
    return merged


def _sorted_by(items: list[Any], order: list[Any], merge_key: str | None) -> list[Any]:
    positions = {key: index for index, key in reversed(list(enumerate(_key_of(item, merge_key) for item in order)))}
    return sorted(items, key=lambda item: positions.get(_key_of(item, merge_key), len(positions)))


def _position(items: list[Any], wanted: dict[str, Any], merge_key: str) -> int:
    for index, item in enumerate(items):
        if _same_key(item, merge_key, wanted[merge_key]):
            return index
    return -1


def _same_key(item: Any, merge_key: str, value: Any) -> bool:
    return isinstance(item, dict) and merge_key in item and _identity(item[merge_key]) == _identity(value)


def _key_of(item: Any, merge_key: str | None) -> str:
    if merge_key is None:
        return _identity(item)
    return _identity(item.get(merge_key)) if isinstance(item, dict) else _identity(None)


def _identity(value: Any) -> str:
    """Equality as Go compares decoded JSON: 1, 1.0 and true are all different."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _deduplicated(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    unique = []
    for item in items:
        if _identity(item) not in seen:
            seen.add(_identity(item))
            unique.append(item)
    return unique


def _category(value: Any) -> str:
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "list"
    return "scalar"


def _directive_field(key: str, prefix: str, error: str) -> str:
    head, slash, field = key.partition("/")
    if head != prefix or not slash:
        raise bad_patch(error)
    return field


def _no_merge_key(item: dict[str, Any], merge_key: str) -> str:
    return f"map: {_go_format(item)} does not contain declared merge key: {merge_key}"


def _go_format(value: Any) -> str:
    """A value as Go's ``%v`` prints decoded JSON, for upstream's error texts."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{_go_format(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_format(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
