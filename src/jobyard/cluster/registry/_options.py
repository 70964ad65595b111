from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobyard.cluster import schema
from jobyard.cluster.errors import BadRequest

FIELD_VALIDATION_MODES = ("Ignore", "Warn", "Strict")


@dataclass(frozen=True)
class WriteOptions:
    """Query parameters shared by create, update, patch and apply."""

    dry_run: bool = False
    field_manager: str | None = None
    # Upstream's server default is Warn; kubectl sends Strict.
    field_validation: str = "Warn"
    # Keys a JSON body repeated; only the raw body shows them.
    duplicate_fields: tuple[str, ...] = ()
    force: bool = False

    def __post_init__(self) -> None:
        if self.field_validation not in FIELD_VALIDATION_MODES:
            raise BadRequest(
                f"fieldValidation parameter unsupported: {self.field_validation}; valid values are Ignore, Warn, Strict"
            )
        if self.field_manager is not None and len(self.field_manager) > 128:
            raise BadRequest("fieldManager: Too long: must have at most 128 bytes")


@dataclass(frozen=True)
class DeleteOptions:
    dry_run: bool = False
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None  # Background, Foreground, Orphan
    orphan_dependents: bool | None = None
    precondition_uid: str | None = None
    precondition_resource_version: str | None = None

    def __post_init__(self) -> None:
        if self.propagation_policy not in (None, "Background", "Foreground", "Orphan"):
            raise BadRequest(
                f'Unsupported value: "{self.propagation_policy}": supported values: '
                '"Foreground", "Background", "Orphan"'
            )
        if self.propagation_policy is not None and self.orphan_dependents is not None:
            raise BadRequest("orphanDependents and propagationPolicy cannot both be set")
        if self.grace_period_seconds is not None and self.grace_period_seconds < 0:
            raise BadRequest("gracePeriodSeconds must be greater than or equal to 0")


@dataclass(frozen=True)
class ListOptions:
    label_selector: str | None = None
    field_selector: str | None = None
    limit: int = 0
    continue_token: str | None = None
    resource_version: str | None = None
    resource_version_match: str | None = None


@dataclass(frozen=True)
class WatchOptions:
    label_selector: str | None = None
    field_selector: str | None = None
    resource_version: str | None = None
    allow_bookmarks: bool = False
    timeout_seconds: float | None = None
    # Watch-list: the current state as ADDED events, then a BOOKMARK marking their end.
    send_initial_events: bool | None = None
    resource_version_match: str | None = None


_DELETE_OPTIONS_DEFINITION = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"


def parse_dry_run(values: list[str]) -> bool:
    for value in values:
        if value != "All":
            raise BadRequest(f'Invalid dryRun value: "{value}": supported values: "All"')
    return bool(values)


def parse_delete_options(body: Any, defaults: DeleteOptions = DeleteOptions()) -> DeleteOptions:
    """A DeleteOptions body (DELETE requests, an Eviction's deleteOptions) over ``defaults``
    taken from the query string; the body wins where both speak."""
    if body is None:
        return defaults
    if not isinstance(body, dict):
        raise BadRequest("DeleteOptions must be an object")
    errors = schema.type_errors(body, _DELETE_OPTIONS_DEFINITION)
    if errors:
        raise BadRequest(f'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: {errors[0]}')
    preconditions = body.get("preconditions") or {}
    dry_run = body.get("dryRun")
    return DeleteOptions(
        dry_run=parse_dry_run(dry_run) if dry_run else defaults.dry_run,
        grace_period_seconds=body.get("gracePeriodSeconds", defaults.grace_period_seconds),
        propagation_policy=body.get("propagationPolicy") or defaults.propagation_policy,
        orphan_dependents=body.get("orphanDependents", defaults.orphan_dependents),
        precondition_uid=preconditions.get("uid") or defaults.precondition_uid,
        precondition_resource_version=preconditions.get("resourceVersion") or defaults.precondition_resource_version,
    )


@dataclass(frozen=True)
class LogOptions:
    """pods/log query parameters (PodLogOptions), validated as upstream does."""

    container: str = ""
    follow: bool = False
    previous: bool = False
    since_seconds: int | None = None
    since_time: float | None = None
    timestamps: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None

    def __post_init__(self) -> None:
        causes = []
        if self.since_seconds is not None and self.since_time is not None:
            causes.append("at most one of `sinceTime` or `sinceSeconds` may be specified")
        if self.since_seconds is not None and self.since_seconds < 1:
            causes.append("sinceSeconds: Invalid value: must be greater than 0")
        if self.tail_lines is not None and self.tail_lines < 0:
            causes.append("tailLines: Invalid value: must be greater than or equal to 0")
        if self.limit_bytes is not None and self.limit_bytes < 1:
            causes.append("limitBytes: Invalid value: must be greater than 0")
        if causes:
            raise BadRequest("; ".join(causes))
