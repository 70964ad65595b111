from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "KUBERNETES_SCHEMA_VERSION",
    "Node",
    "child",
    "definition",
    "definition_name",
    "definitions",
    "referenced_definitions",
    "resolve",
]

Node = dict[str, Any]

# The schema release matches the Kubernetes version /version reports.
KUBERNETES_SCHEMA_VERSION = "1.33.0"
_REF_PREFIX = "#/$defs/"
_MARKER_PREFIX = "x-kubernetes-"


@cache
def definitions() -> dict[str, Node]:
    """Every upstream definition by name, e.g. ``io.k8s.api.batch.v1.Job``."""
    folder = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    text = (folder / f"v{KUBERNETES_SCHEMA_VERSION}-local" / "_definitions.json").read_text()
    return json.loads(text)["$defs"]


def definition(name: str) -> Node:
    return definitions()[name]


def definition_name(ref: str) -> str:
    """``io.k8s.api.batch.v1.Job`` from ``#/$defs/io.k8s.api.batch.v1.Job``."""
    return ref.removeprefix(_REF_PREFIX)


def resolve(node: Node) -> Node:
    """Follow ``$ref`` links (possibly chained) to the schema they name."""
    while "$ref" in node:
        node = definitions()[definition_name(node["$ref"])]
    return node


def _resolve_keeping_markers(node: Node) -> Node:
    # A property may carry x-kubernetes-* markers beside its $ref (upstream's
    # Status.details is list-type atomic); they describe the property, so they
    # must survive the jump to the referenced definition.
    markers = {key: value for key, value in node.items() if key.startswith(_MARKER_PREFIX)}
    resolved = resolve(node)
    if markers and "$ref" in node:
        return {**resolved, **markers}
    return resolved


def child(node: Node, key: str | int) -> Node | None:
    """The schema of ``obj[key]`` where ``node`` describes ``obj``.

    Integer keys index arrays; string keys name object properties or map
    entries. None when the schema says nothing about that key. The result is
    resolved, and keeps the ``x-kubernetes-*`` markers written beside a ``$ref``.
    """
    node = resolve(node)
    if isinstance(key, int):
        items = node.get("items")
        return _resolve_keeping_markers(items) if items is not None else None
    properties = node.get("properties") or {}
    if key in properties:
        return _resolve_keeping_markers(properties[key])
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        return _resolve_keeping_markers(additional)
    return None


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield definition_name(node["$ref"])
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def referenced_definitions(roots: Iterable[str]) -> list[str]:
    """``roots`` and every definition they reach through ``$ref``, sorted."""
    seen: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(_refs(definition(name)))
    return sorted(seen)
