"""System-owned metadata: what the server sets and what a client may not change."""

from __future__ import annotations

import copy
import random
import uuid
from typing import Any

Obj = dict[str, Any]

# Upstream's generateName alphabet leaves out vowels and look-alikes so that
# random suffixes never spell words.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_NAME_LENGTH = 63


def generate_name(prefix: str) -> str:
    prefix = prefix[: _MAX_NAME_LENGTH - 5]
    return prefix + "".join(random.choices(_SUFFIX_ALPHABET, k=5))


def new_uid() -> str:
    return str(uuid.uuid4())


def stamp_new(meta: dict[str, Any], now: str) -> None:
    """What FillObjectMetaSystemFields and BeforeCreate do to a created object."""
    meta["uid"] = new_uid()
    meta["creationTimestamp"] = now
    for system_field in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion"):
        meta.pop(system_field, None)


def carry_system_fields(meta: dict[str, Any], old_meta: dict[str, Any]) -> None:
    """An update never changes these; upstream copies them from the stored object."""
    for system_field in ("creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
        if system_field in old_meta:
            meta[system_field] = old_meta[system_field]
        else:
            meta.pop(system_field, None)
    if not meta.get("uid"):
        meta["uid"] = old_meta.get("uid")


def without_volatile(obj: Obj) -> Obj:
    """The object as a no-op check compares it: no resourceVersion, no managedFields times.

    A write that only moves field ownership is a change (apply conflicts depend
    on it); one that only would restamp times is not, as upstream.
    """
    trimmed = copy.copy(obj)
    meta = dict(trimmed.get("metadata") or {})
    meta.pop("resourceVersion", None)
    if "managedFields" in meta:
        meta["managedFields"] = [
            {key: value for key, value in entry.items() if key != "time"} for entry in meta["managedFields"] or []
        ]
    trimmed["metadata"] = meta
    return trimmed


def spec_of(obj: Obj) -> Obj:
    """Everything but metadata and status: a change here bumps generation."""
    return {key: value for key, value in obj.items() if key not in ("metadata", "status", "apiVersion", "kind")}
