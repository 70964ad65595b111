"""LIST: selectors, pages (limit/continue) and resourceVersion semantics."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from jobyard.cluster.errors import BadRequest, Gone, Timeout
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.selectors import Selector, parse_field_selector, parse_label_selector
from jobyard.cluster.store import Store

from ._options import ListOptions

Obj = dict[str, Any]


def selects(rtype: ResourceType, labels: Selector, fields: Selector, obj: Obj) -> bool:
    meta = obj.get("metadata") or {}
    if not labels.empty and not labels.matches(meta.get("labels") or {}):
        return False
    return fields.empty or fields.matches(rtype.field_labels(obj))


def parse_selectors(
    rtype: ResourceType, label_selector: str | None, field_selector: str | None
) -> tuple[Selector, Selector]:
    labels = parse_label_selector(label_selector)
    fields = parse_field_selector(field_selector)
    supported = rtype.field_selectors
    for requirement in fields.requirements:
        if requirement.key not in supported:
            raise BadRequest(
                f'"{requirement.key}" is not a known field selector: only "' + '", "'.join(supported) + '"'
            )
    return labels, fields


def parse_resource_version(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}": must be a non-negative integer') from None
    if value < 0:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}": must be a non-negative integer')
    return value


def _encode_continue(resource_version: int, start_after: tuple[str, str]) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": resource_version, "start": "/".join(start_after)}
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def _decode_continue(token: str) -> tuple[int, tuple[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, _, name = str(data["start"]).partition("/")
        return int(data["rv"]), (namespace, name)
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion") from None


def list_objects(store: Store, rtype: ResourceType, namespace: str | None, options: ListOptions) -> Obj:
    labels, fields = parse_selectors(rtype, options.label_selector, options.field_selector)
    current = store.resource_version
    list_version = current
    start_after: tuple[str, str] | None = None
    if options.continue_token:
        if options.resource_version not in (None, "", "0"):
            raise BadRequest("specifying resource version is not allowed when using continue")
        if options.resource_version_match:
            raise BadRequest("resourceVersionMatch is forbidden when continue is provided")
        list_version, start_after = _decode_continue(options.continue_token)
    elif options.resource_version_match and options.resource_version in (None, ""):
        raise BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
    elif options.resource_version == "0" and options.resource_version_match not in (None, "NotOlderThan"):
        raise BadRequest(
            f'resourceVersionMatch "{options.resource_version_match}" is forbidden for resourceVersion "0"'
        )
    elif options.resource_version not in (None, "", "0"):
        wanted = parse_resource_version(options.resource_version)
        match = options.resource_version_match or "NotOlderThan"
        if match not in ("NotOlderThan", "Exact"):
            raise BadRequest(
                f'resourceVersionMatch: Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"'
            )
        if wanted > current:
            raise Timeout(f"Too large resource version: {wanted}, current: {current}", retry_after_seconds=1)
        if match == "Exact" and wanted != current:
            # Only the newest state is kept in memory; older snapshots are gone, as after an etcd compaction.
            raise Gone(f"too old resource version: {wanted} ({current})")
    items: list[Obj] = []
    remaining = 0
    for obj in store.list(rtype.qualified_plural, namespace):
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if start_after is not None and key <= start_after:
            continue
        if not selects(rtype, labels, fields, obj):
            continue
        if options.limit and len(items) >= options.limit:
            remaining += 1
            continue
        items.append(obj)
    list_meta: dict[str, Any] = {"resourceVersion": str(list_version)}
    if remaining:
        last = items[-1]["metadata"]
        list_meta["continue"] = _encode_continue(list_version, (last.get("namespace", ""), last["name"]))
        if labels.empty and fields.empty:
            list_meta["remainingItemCount"] = remaining
    return {
        "kind": f"{rtype.kind}List",
        "apiVersion": rtype.api_version,
        "metadata": list_meta,
        "items": items,
    }
