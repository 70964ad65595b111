"""``metadata.managedFields``: who owns which fields, and updates to it.

Each entry is a :class:`Manager`. Entries are identified as upstream
identifies them — manager name, operation, subresource, and the apiVersion
for ``Update`` entries only — and written sorted as upstream sorts them
(operation, time, manager, apiVersion, subresource).

:func:`record_update` is the bookkeeping upstream does for every write that is
not an apply (create, update, the three other patch types): the writer takes
the fields it added or changed, everyone loses the fields that were removed,
and the entry's time moves only when the writer took something.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from jobyard.cluster.errors import StatusError
from jobyard.cluster.schema import definition

from ._fieldset import FieldSet, Path, compare, decode_fields, encode_fields

__all__ = ["Manager", "content", "ownable", "read_managers", "record_update", "write_managers"]

# Paths no manager ever owns (upstream's stripMetaManager).
_NEVER_OWNED: frozenset[Path] = frozenset(
    {
        (("f", "apiVersion"),),
        (("f", "kind"),),
        (("f", "metadata"),),
        *(
            (("f", "metadata"), ("f", name))
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)


@dataclass(frozen=True)
class Manager:
    manager: str
    operation: str
    api_version: str
    fields: FieldSet
    time: str | None = None
    subresource: str = ""

    @property
    def identity(self) -> tuple[str, str, str, str]:
        # Appliers keep one entry across apiVersions; updaters get one per version.
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """The manager as upstream names it in conflict messages."""
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource, ensure_ascii=False)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time is not None:
            entry["time"] = self.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = _encoded(self.fields)
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


@functools.lru_cache(maxsize=4096)
def _encoded(fields: FieldSet) -> dict[str, Any]:
    """fieldsV1 of a field set; most writes leave most managers' sets as they were.
    The result is shared between stored objects, which nobody changes in place."""
    tree = encode_fields(fields)
    _remember(tree, fields)
    return tree


# Field sets by the identity of the fieldsV1 tree they were read from or written as. The next
# write of an object reads the trees the last one wrote, and decoding them again was a tenth of
# a pod status write. Trees are kept alive here, so an id is never reused while cached.
_DECODED: dict[int, tuple[dict[str, Any], FieldSet]] = {}
_DECODED_MAX = 8192


def _remember(tree: dict[str, Any], fields: FieldSet) -> None:
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    _DECODED[id(tree)] = (tree, fields)


def _decoded(tree: Any) -> FieldSet:
    hit = _DECODED.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1]
    fields = decode_fields(tree)
    _remember(tree, fields)
    return fields


def read_managers(obj: dict[str, Any] | None) -> list[Manager]:
    """The entries of ``obj``; malformed entries reset ownership, as upstream does."""
    entries = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    try:
        return [_manager(entry) for entry in entries]
    except (StatusError, AttributeError, TypeError, ValueError, KeyError):
        return []


def _manager(entry: dict[str, Any]) -> Manager:
    return Manager(
        manager=entry.get("manager", ""),
        operation=entry["operation"],
        api_version=entry.get("apiVersion", ""),
        fields=_decoded(entry.get("fieldsV1") or {}),
        time=entry.get("time"),
        subresource=entry.get("subresource", ""),
    )


def write_managers(obj: dict[str, Any], managers: Iterable[Manager]) -> dict[str, Any]:
    """``obj`` with ``metadata.managedFields`` set to ``managers`` (none: removed)."""
    # Only metadata changes: the rest is shared with ``obj``, which callers hand over.
    result = dict(obj)
    result["metadata"] = dict(obj.get("metadata") or {})
    ordered = sorted(
        (manager for manager in managers if manager.fields),
        key=lambda m: (m.operation, m.time or "", m.manager, m.api_version, m.subresource),
    )
    metadata = result.setdefault("metadata", {})
    if ordered:
        metadata["managedFields"] = [manager.entry() for manager in ordered]
    else:
        metadata.pop("managedFields", None)
    return result


def content(obj: dict[str, Any] | None) -> dict[str, Any]:
    """``obj`` without its managedFields: the part ownership is about (shares the rest; read it only)."""
    if not obj:
        return {}
    result = dict(obj)
    if isinstance(obj.get("metadata"), dict):
        result["metadata"] = {key: value for key, value in obj["metadata"].items() if key != "managedFields"}
    return result


def ownable(paths: FieldSet, ignored_fields: frozenset[str]) -> FieldSet:
    """``paths`` without those nobody owns and those under ``ignored_fields``."""
    return frozenset(
        path
        for path in paths
        if path not in _NEVER_OWNED and not (path and path[0][0] == "f" and path[0][1] in ignored_fields)
    )


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    manager: str,
    now: str,
    definition_name: str,
    *,
    subresource: str = "",
    ignored_fields: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """``new`` with managedFields recording an ``Update`` by ``manager``.

    ``ignored_fields`` are top-level fields this write cannot set (``status``
    on the main resource, say); ``now`` is RFC 3339, as upstream writes times.
    """
    node = definition(definition_name)
    managers = _starting_managers(old, new)
    comparison = compare(content(old), content(new), node, maps_are_members=True)
    taken = ownable(comparison.changed, ignored_fields)
    removed = comparison.removed
    me = Manager(manager, "Update", new.get("apiVersion", ""), frozenset(), now, subresource)
    result: list[Manager] = []
    previous: Manager | None = None
    for entry in managers:
        if entry.identity == me.identity:
            previous = entry
        else:
            result.append(replace(entry, fields=entry.fields - taken - removed))
    if taken:
        result.append(replace(me, fields=((previous.fields if previous else frozenset()) - removed) | taken))
    elif previous is not None:
        result.append(replace(previous, fields=previous.fields - removed))
    return write_managers(new, result)


def _starting_managers(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Manager]:
    """The writer may replace managedFields by sending different ones, or clear them with ``[]``."""
    sent = (new.get("metadata") or {}).get("managedFields", None)
    stored = ((old or {}).get("metadata") or {}).get("managedFields", None)
    if sent is not None and sent != stored:
        return read_managers(new)
    return read_managers(old)
