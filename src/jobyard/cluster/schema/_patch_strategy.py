"""How strategic merge patch treats a field, from upstream's markers.

``x-kubernetes-patch-strategy`` holds comma-separated strategies ("merge",
"replace", "retainKeys", "merge,retainKeys") and ``x-kubernetes-patch-merge-key``
the field that identifies list items when lists are merged.
"""

from __future__ import annotations

from ._definitions import Node

__all__ = ["patch_strategy"]


def patch_strategy(node: Node | None) -> tuple[list[str], str | None]:
    """``(strategies, merge key)`` of a schema node as :func:`child` returns it.

    ``([], None)`` for a node without markers or for None (a field the schema
    does not describe), which strategic merge patch treats as "replace".
    """
    if node is None:
        return [], None
    strategy = node.get("x-kubernetes-patch-strategy") or ""
    strategies = [each.strip() for each in strategy.split(",") if each.strip()]
    return strategies, node.get("x-kubernetes-patch-merge-key")
