"""Building blocks of Table output shared by the kinds (upstream printers.go)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jobyard.cluster.schema import definition

from ._age import format_age
from ._base import Column

__all__ = ["age_cell", "age_column", "described", "format_labels", "format_selector", "name_column"]

Obj = dict[str, Any]

_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


@cache
def described(definition_name: str, property_name: str) -> str:
    """A column's description: the upstream field doc the printer also borrows."""
    properties = definition(definition_name).get("properties") or {}
    return str((properties.get(property_name) or {}).get("description", ""))


def name_column() -> Column:
    return Column("Name", format="name", description=described(_OBJECT_META, "name"))


def age_column() -> Column:
    return Column("Age", description=described(_OBJECT_META, "creationTimestamp"))


def age_cell(obj: Obj, now: float) -> str:
    return format_age((obj.get("metadata") or {}).get("creationTimestamp"), now)


def format_labels(labels: Mapping[str, str] | None) -> str:
    """``a=b,c=d``, or ``<none>`` (upstream ``labels.FormatLabels``), keys sorted."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def format_selector(selector: Obj | None) -> str:
    """A LabelSelector as upstream's ``FormatLabelSelector`` prints it."""
    if selector is None:
        return "<none>"
    parts = [(key, f"{key}={value}") for key, value in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(sorted(expression.get("values") or []))
        shown = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": key}
        parts.append((key, shown.get(operator, f"!{key}")))
    # Upstream's selector sorts its requirements by key before printing.
    text = ",".join(text for _, text in sorted(parts))
    return text or "<none>"
