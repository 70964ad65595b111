"""The API verbs over the store, shared by the HTTP server and the in-process client."""

from ._options import (
    DeleteOptions,
    ListOptions,
    LogOptions,
    WatchOptions,
    WriteOptions,
    parse_delete_options,
    parse_dry_run,
)
from ._registry import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_TYPES,
    STRATEGIC_MERGE_PATCH,
    Registry,
)

__all__ = [
    "APPLY_PATCH",
    "DeleteOptions",
    "JSON_PATCH",
    "ListOptions",
    "LogOptions",
    "MERGE_PATCH",
    "PATCH_TYPES",
    "Registry",
    "STRATEGIC_MERGE_PATCH",
    "WatchOptions",
    "WriteOptions",
    "parse_delete_options",
    "parse_dry_run",
]
