"""Table responses (``Accept: application/json;as=Table;g=meta.k8s.io;v=v1``) for kubectl get."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.kinds import Column, ResourceType, format_age

Obj = dict[str, Any]

_NAME = Column("Name", format="name", description="Name must be unique within a namespace.")
_AGE = Column(
    "Age", description="CreationTimestamp is a timestamp representing the server time when this object was created."
)


def wants_table(accept: str) -> bool:
    return any("as=Table" in part and "g=meta.k8s.io" in part for part in accept.split(","))


def _columns(rtype: ResourceType) -> tuple[Column, ...]:
    return rtype.columns if rtype.row is not None else (_NAME, _AGE)


def _cells(rtype: ResourceType, obj: Obj, now: float) -> list[Any]:
    if rtype.row is not None:
        return rtype.row(obj, now)
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), format_age(meta.get("creationTimestamp"), now)]


def _row_object(obj: Obj, include_object: str) -> Obj | None:
    if include_object == "None":
        return None
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def table(
    rtype: ResourceType,
    objects: list[Obj],
    now: float,
    *,
    list_meta: Obj | None = None,
    include_object: str = "Metadata",
    with_columns: bool = True,
) -> Obj:
    columns = [
        {
            "name": column.name,
            "type": column.type,
            "format": column.format,
            "description": column.description,
            "priority": column.priority,
        }
        for column in _columns(rtype)
    ]
    rows = []
    for obj in objects:
        row: Obj = {"cells": _cells(rtype, obj, now)}
        row_object = _row_object(obj, include_object)
        if row_object is not None:
            row["object"] = row_object
        rows.append(row)
    result: Obj = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta or {}}
    if with_columns:
        result["columnDefinitions"] = columns
    result["rows"] = rows
    return result
