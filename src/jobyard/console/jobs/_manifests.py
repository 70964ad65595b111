"""Turning a live Job back into something to create, and the few changes a live Job accepts."""

from __future__ import annotations

import copy
from typing import Any

from jobyard.console.forms import FieldError, Language

from ._kube import Manifest
from ._texts import edit_error

__all__ = [
    "EDITABLE_FIELDS",
    "GENERATED_LABELS",
    "InvalidChanges",
    "clean_for_recreate",
    "clean_service_for_clone",
    "editable_patch",
]

# The API server writes these into the pod template (and, through defaulting, the Job's own
# labels) when it generates the selector; a new Job gets fresh ones, and a stale controller-uid
# would not match its new selector.
GENERATED_LABELS = frozenset(
    {"controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"}
)

# What the server owns in metadata; everything else (labels, annotations, finalizers the user
# set) is the user's and is kept.
_SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "generation",
    "selfLink",
    "ownerReferences",
)
_DELETION_FINALIZERS = frozenset({"foregroundDeletion", "orphan"})

# The Job fields Kubernetes lets change after creation that the console offers (k8s-job-semantics §1).
EDITABLE_FIELDS = ("parallelism", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "suspend", "labels")
_OPTIONAL_COUNTS = ("activeDeadlineSeconds", "ttlSecondsAfterFinished")


class InvalidChanges(ValueError):
    """An edit asked for something a live Job does not allow; ``errors`` say which field and why."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{error.path}: {error.message}" for error in errors))


def clean_for_recreate(job: Manifest) -> Manifest:
    """The Job as it could be created again: the user's spec, labels and annotations, nothing the server wrote."""
    clean = copy.deepcopy(job)
    clean.pop("status", None)
    metadata = clean.setdefault("metadata", {})
    _strip_server_metadata(metadata)
    _strip_generated_labels(metadata)
    spec = clean.get("spec") or {}
    if not spec.get("manualSelector"):
        spec.pop("selector", None)
    template_metadata = (spec.get("template") or {}).get("metadata")
    if template_metadata is not None:
        template_metadata.pop("creationTimestamp", None)
        _strip_generated_labels(template_metadata)
    return clean


def clean_service_for_clone(service: Manifest) -> Manifest:
    """The Service as it could be created beside a copy of its Job: no allocated IPs or node ports.

    Node ports go too, since the original still holds them; a clone that needs fixed ones sets them in the form.
    """
    clean = copy.deepcopy(service)
    clean.pop("status", None)
    _strip_server_metadata(clean.setdefault("metadata", {}))
    spec = clean.get("spec") or {}
    for allocated in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
        spec.pop(allocated, None)
    for port in spec.get("ports") or []:
        port.pop("nodePort", None)
    return clean


def _strip_server_metadata(metadata: Manifest) -> None:
    for field in _SERVER_METADATA:
        metadata.pop(field, None)
    finalizers = [f for f in metadata.get("finalizers") or [] if f not in _DELETION_FINALIZERS]
    if finalizers:
        metadata["finalizers"] = finalizers
    else:
        metadata.pop("finalizers", None)


def _strip_generated_labels(metadata: Manifest) -> None:
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k not in GENERATED_LABELS}
    if labels:
        metadata["labels"] = labels
    else:
        metadata.pop("labels", None)


def editable_patch(job: Manifest, changes: dict[str, Any], lang: Language = "en") -> Manifest:
    """A merge patch applying ``changes`` (wire names of ``EDITABLE_FIELDS``) to ``job``.

    ``labels`` is the Job's complete new set of labels: a label left out is removed, except the
    ones the API server generated. A None count clears it (no timeout, no TTL).
    """
    errors: list[FieldError] = []
    spec: Manifest = {}
    patch: Manifest = {}
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            errors.append(edit_error(field, "notEditable", lang))
        elif field == "labels":
            if _is_string_map(value):
                patch["metadata"] = {"labels": _labels_patch(job, value)}
            else:
                errors.append(edit_error(field, "labels", lang))
        elif field == "suspend":
            if isinstance(value, bool):
                spec[field] = value
            else:
                errors.append(edit_error(field, "boolean", lang))
        elif (value is None and field in _OPTIONAL_COUNTS) or _is_count(value):
            spec[field] = value
        else:
            errors.append(edit_error(field, "nonNegativeInteger", lang))
    if errors:
        raise InvalidChanges(errors)
    if spec:
        patch["spec"] = spec
    return patch


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_string_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _labels_patch(job: Manifest, wanted: dict[str, str]) -> dict[str, str | None]:
    current = (job.get("metadata") or {}).get("labels") or {}
    removed: dict[str, str | None] = {key: None for key in current if key not in wanted and key not in GENERATED_LABELS}
    return {**removed, **wanted}
