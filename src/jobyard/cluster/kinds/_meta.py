"""ObjectMeta validation the registry runs for every kind, on create and update.

Upstream splits this between apimachinery's ``ValidateObjectMeta`` /
``ValidateObjectMetaUpdate`` and each kind's name rule; the name rule is looked
up here by kind so that a :class:`ResourceType` needs no extra field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jobyard.cluster.errors import Cause

from ._base import ResourceType
from ._causes import forbidden, immutable, invalid, non_negative, required, too_long
from ._names import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    mask_trailing_dash,
    qualified_name,
)

__all__ = ["TOTAL_ANNOTATION_SIZE_LIMIT", "name_format", "validate_labels", "validate_object_meta"]

Obj = dict[str, Any]
NameFormat = Callable[[str], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024

# Kinds whose names are not DNS-1123 subdomains, by upstream's per-kind name rule.
_NAME_FORMATS: dict[str, NameFormat] = {
    "Namespace": dns1123_label,
    "Service": dns1035_label,
}

_IMMUTABLE_ON_UPDATE = (
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def name_format(rtype: ResourceType) -> NameFormat:
    return _NAME_FORMATS.get(rtype.qualified_kind, dns1123_subdomain)


def validate_object_meta(obj: Obj, rtype: ResourceType, old: Obj | None) -> list[Cause]:
    """Every problem with ``obj['metadata']``; ``old`` is the stored object on update."""
    meta: Obj = obj.get("metadata") or {}
    causes: list[Cause] = []
    if old is None:
        causes += _validate_names(meta, name_format(rtype))
    causes += _validate_namespace(meta, rtype.namespaced)
    causes += non_negative("metadata.generation", meta.get("generation"))
    causes += validate_labels(meta.get("labels") or {}, "metadata.labels")
    causes += _validate_annotations(meta.get("annotations") or {})
    causes += _validate_owner_references(meta.get("ownerReferences") or [])
    causes += _validate_finalizers(meta.get("finalizers") or [])
    if old is not None:
        causes += _validate_update(meta, old.get("metadata") or {})
    return causes


def _validate_names(meta: Obj, valid_name: NameFormat) -> list[Cause]:
    causes = []
    generate_name = meta.get("generateName") or ""
    if generate_name:
        for message in valid_name(mask_trailing_dash(generate_name)):
            causes.append(invalid("metadata.generateName", generate_name, message))
    name = meta.get("name") or ""
    if not name:
        causes.append(required("metadata.name", "name or generateName is required"))
    else:
        causes += [invalid("metadata.name", name, message) for message in valid_name(name)]
    return causes


def _validate_namespace(meta: Obj, namespaced: bool) -> list[Cause]:
    namespace = meta.get("namespace") or ""
    if not namespaced:
        return [forbidden("metadata.namespace", "not allowed on this type")] if namespace else []
    if not namespace:
        return [required("metadata.namespace")]
    return [invalid("metadata.namespace", namespace, message) for message in dns1123_label(namespace)]


def validate_labels(labels: Mapping[str, Any], path: str) -> list[Cause]:
    """Upstream's ``ValidateLabels``: keys are qualified names, values label values."""
    causes = []
    for key, value in labels.items():
        causes += [invalid(path, key, message) for message in qualified_name(key)]
        text = value if isinstance(value, str) else str(value)
        causes += [invalid(path, text, message) for message in label_value(text)]
    return causes


def _validate_annotations(annotations: Mapping[str, Any]) -> list[Cause]:
    causes = []
    size = 0
    for key, value in annotations.items():
        causes += [invalid("metadata.annotations", key, message) for message in qualified_name(key.lower())]
        size += len(key.encode()) + len(str(value or "").encode())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(too_long("metadata.annotations", TOTAL_ANNOTATION_SIZE_LIMIT))
    return causes


def _validate_owner_references(references: list[Obj]) -> list[Cause]:
    path = "metadata.ownerReferences"
    causes = []
    controller = ""
    for reference in references:
        api_version = reference.get("apiVersion") or ""
        if not api_version.rpartition("/")[2]:
            causes.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        for key in ("kind", "name", "uid"):
            if not reference.get(key):
                causes.append(invalid(f"{path}.{key}", reference.get(key) or "", f"{key} must not be empty"))
        if reference.get("controller") is True:
            this = f"{reference.get('kind', '')}/{reference.get('name', '')}"
            if controller:
                causes.append(
                    invalid(
                        path,
                        references,
                        'Only one reference can have Controller set to true. Found "true" in references '
                        f"for {controller} and {this}",
                    )
                )
            controller = controller or this
    return causes


def _validate_finalizers(finalizers: list[str]) -> list[Cause]:
    path = "metadata.finalizers"
    causes = []
    for finalizer in finalizers:
        causes += [invalid(path, finalizer, message) for message in qualified_name(finalizer)]
    if "orphan" in finalizers and "foregroundDeletion" in finalizers:
        causes.append(invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"))
    return causes


def _validate_update(meta: Obj, old_meta: Obj) -> list[Cause]:
    causes = []
    if old_meta.get("deletionTimestamp"):
        added = sorted(set(meta.get("finalizers") or []) - set(old_meta.get("finalizers") or []))
        if added:
            shown = ", ".join(f'"{finalizer}"' for finalizer in added)
            causes.append(
                forbidden(
                    "metadata.finalizers",
                    f"no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers []string{{{shown}}}",
                )
            )
    if (meta.get("generation") or 0) < (old_meta.get("generation") or 0):
        causes.append(invalid("metadata.generation", meta.get("generation") or 0, "must not be decremented"))
    for key in _IMMUTABLE_ON_UPDATE:
        causes += immutable(f"metadata.{key}", meta.get(key), old_meta.get(key))
    return causes
