"""The core/v1 Event kind: upstream's legacy event rules, selectors, table."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.errors import Cause

from ._age import format_age
from ._base import Column, ResourceType, metadata_field_labels
from ._causes import invalid, required
from ._names import dns1123_subdomain, qualified_name
from ._tables import described, name_column

__all__ = ["EVENT"]

Obj = dict[str, Any]

REPORTING_INSTANCE_LIMIT = 128
ACTION_LIMIT = 128
REASON_LIMIT = 128
NOTE_LIMIT = 1024
_EVENT = "io.k8s.api.core.v1.Event"


def validate_event(obj: Obj, old: Obj | None) -> list[Cause]:
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    involved: Obj = obj.get("involvedObject") or {}
    involved_namespace = involved.get("namespace") or ""
    causes: list[Cause] = []
    mismatch = invalid("involvedObject.namespace", involved_namespace, "does not match event.namespace")
    if not obj.get("eventTime"):
        # Old-style events: the namespace follows the involved object ("default" for cluster objects).
        if not involved_namespace:
            if namespace not in ("", "default"):
                causes.append(mismatch)
        elif namespace != involved_namespace:
            causes.append(mismatch)
    else:
        if not involved_namespace and namespace not in ("default", "kube-system"):
            causes.append(mismatch)
        causes += _validate_new_style(obj)
    causes += [invalid("namespace", namespace, message) for message in dns1123_subdomain(namespace)]
    return causes


def _validate_new_style(obj: Obj) -> list[Cause]:
    causes: list[Cause] = []
    controller = obj.get("reportingComponent") or ""
    if not controller:
        causes.append(required("reportingComponent"))
    causes += [invalid("reportingComponent", controller, message) for message in qualified_name(controller)]
    for key, limit in (
        ("reportingInstance", REPORTING_INSTANCE_LIMIT),
        ("action", ACTION_LIMIT),
        ("reason", REASON_LIMIT),
    ):
        value = obj.get(key) or ""
        if not value:
            causes.append(required(key))
        if len(value) > limit:
            causes.append(invalid(key, "", f"can have at most {limit} characters"))
    if len(obj.get("message") or "") > NOTE_LIMIT:
        causes.append(invalid("message", "", f"can have at most {NOTE_LIMIT} characters"))
    return causes


def event_field_labels(obj: Obj) -> dict[str, str]:
    involved: Obj = obj.get("involvedObject") or {}
    labels = dict(metadata_field_labels(obj))
    for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
        labels[f"involvedObject.{key}"] = involved.get(key, "")
    labels["reason"] = obj.get("reason", "")
    labels["reportingComponent"] = obj.get("reportingComponent", "")
    labels["source"] = (obj.get("source") or {}).get("component") or obj.get("reportingComponent", "")
    labels["type"] = obj.get("type", "")
    return labels


def event_row(obj: Obj, now: float) -> list[Any]:
    first_seen = format_age(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last_seen = format_age(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first_seen
    count = obj.get("count") or 1
    series: Obj | None = obj.get("series")
    if series:
        last_seen = format_age(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    involved: Obj = obj.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source: Obj = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    return [
        last_seen,
        obj.get("type", ""),
        obj.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        (obj.get("message") or "").strip(),
        first_seen,
        count,
        (obj.get("metadata") or {}).get("name", ""),
    ]


EVENT = ResourceType(
    group="",
    version="v1",
    kind="Event",
    plural="events",
    singular="event",
    namespaced=True,
    definition=_EVENT,
    short_names=("ev",),
    validate=validate_event,
    field_labels=event_field_labels,
    columns=(
        Column("Last Seen", description=described(_EVENT, "lastTimestamp")),
        Column("Type", description=described(_EVENT, "type")),
        Column("Reason", description=described(_EVENT, "reason")),
        Column("Object", description=described(_EVENT, "involvedObject")),
        Column(
            "Subobject",
            priority=1,
            description=described("io.k8s.api.core.v1.ObjectReference", "fieldPath"),
        ),
        Column("Source", priority=1, description=described(_EVENT, "source")),
        Column("Message", description=described(_EVENT, "message")),
        Column("First Seen", priority=1, description=described(_EVENT, "firstTimestamp")),
        Column("Count", priority=1, description=described(_EVENT, "count")),
        Column(name_column().name, priority=1, format="name", description=name_column().description),
    ),
    row=event_row,
)
