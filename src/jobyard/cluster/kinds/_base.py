"""What the API server needs to know about one kind of resource.

A :class:`ResourceType` bundles the facts discovery needs (group, version,
plural, short names, verbs, subresources) with the kind's *strategy*: how it is
defaulted, validated, what its field selectors see and how a Table row looks.
The registry calls the same functions for create, update, patch, apply and
dry-run, so each kind has exactly one validation path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.errors import Cause

__all__ = ["Column", "ResourceType", "no_causes", "no_defaults", "metadata_field_labels"]

Obj = dict[str, Any]


def no_defaults(obj: Obj) -> None:
    """Strategy for kinds without defaults."""


def no_causes(obj: Obj, old: Obj | None) -> list[Cause]:
    """Strategy for kinds without validation beyond object metadata."""
    return []


def metadata_field_labels(obj: Obj) -> dict[str, str]:
    meta = obj.get("metadata") or {}
    labels = {"metadata.name": meta.get("name", "")}
    if "namespace" in meta:
        labels["metadata.namespace"] = meta.get("namespace", "")
    return labels


@dataclass(frozen=True)
class Column:
    """A Table column as upstream's ``TableColumnDefinition``.

    ``priority`` 0 columns always show; 1 only with ``kubectl get -o wide``.
    """

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    definition: str  # OpenAPI definition name, e.g. "io.k8s.api.batch.v1.Job"
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create",
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "update",
        "watch",
    )
    # Subresources served besides the object itself: "status", "eviction", "log", "binding".
    subresources: tuple[str, ...] = ()
    # Defaulting, run on every decoded body (create, update, patch result, apply, dry-run).
    default: Callable[[Obj], None] = no_defaults
    # Validation of a whole object; ``old`` is None on create. Metadata is checked by the registry.
    validate: Callable[[Obj, Obj | None], list[Cause]] = no_causes
    # Validation of a write through the status subresource (``old`` always given).
    validate_status: Callable[[Obj, Obj | None], list[Cause]] = no_causes
    # Called on create after uid and name are set and before validation (e.g. Job selectors).
    prepare_for_create: Callable[[Obj], None] = no_defaults
    # Values seen by field selectors, e.g. {"status.phase": "Running"}.
    field_labels: Callable[[Obj], Mapping[str, str]] = metadata_field_labels
    # Table output: every column, NAME first, and the cells of one object at ``now``
    # (seconds since the epoch, for AGE and DURATION). None: NAME and AGE only.
    columns: tuple[Column, ...] = ()
    row: Callable[[Obj, float], list[Any]] | None = None

    @property
    def field_selectors(self) -> tuple[str, ...]:
        """The field selector keys this kind supports: those its field_labels reports."""
        return tuple(self.field_labels({"metadata": {"name": "", "namespace": ""}}))

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def qualified_kind(self) -> str:
        """``Job.batch`` or ``Pod``, as upstream names a kind in messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def qualified_plural(self) -> str:
        """``jobs.batch`` or ``pods``, as upstream names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural
