"""What the schema says about merging one field.

Upstream keeps the merge rules as markers on the *property* node
(``x-kubernetes-patch-strategy`` on ``PodSpec.containers``), not on the
definition it refers to, so these helpers walk raw property nodes and resolve
``$ref`` only to descend. A missing node means the field is unknown to the
schema; callers then treat maps as plain maps and lists as atomic, which is how
upstream handles untyped data.
"""

from __future__ import annotations

from typing import Any

from jobyard.cluster.schema import resolve

__all__ = [
    "Node",
    "field_node",
    "is_atomic_map",
    "is_struct",
    "item_node",
    "list_map_keys",
    "list_type",
    "patch_strategy",
]

Node = dict[str, Any]


def field_node(parent: Node | None, key: str) -> Node | None:
    """The unresolved schema node of ``obj[key]``, markers intact."""
    if parent is None:
        return None
    parent = resolve(parent)
    properties = parent.get("properties") or {}
    if key in properties:
        return properties[key]
    additional = parent.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def item_node(node: Node | None) -> Node | None:
    """The schema of one element of the list ``node`` describes."""
    if node is None:
        return None
    items = resolve(node).get("items")
    return items if isinstance(items, dict) else None


def is_struct(node: Node | None) -> bool:
    """True when the object has declared fields, False for free-form maps."""
    return node is not None and "properties" in resolve(node)


def patch_strategy(node: Node | None) -> tuple[list[str], str | None]:
    """Strategic-merge strategies (``["merge", "retainKeys"]``) and merge key.

    Stand-in for ``schema.patch_strategy`` until that lands.
    """
    if node is None:
        return [], None
    strategy = node.get("x-kubernetes-patch-strategy") or ""
    strategies = [part for part in strategy.split(",") if part]
    return strategies, node.get("x-kubernetes-patch-merge-key")


def list_type(node: Node | None) -> str:
    """``map``, ``set`` or ``atomic``; lists without a marker are atomic."""
    if node is None:
        return "atomic"
    return node.get("x-kubernetes-list-type") or "atomic"


def list_map_keys(node: Node | None) -> list[str]:
    if node is None:
        return []
    return list(node.get("x-kubernetes-list-map-keys") or [])


def is_atomic_map(node: Node | None) -> bool:
    if node is None:
        return False
    return (node.get("x-kubernetes-map-type") or resolve(node).get("x-kubernetes-map-type")) == "atomic"
