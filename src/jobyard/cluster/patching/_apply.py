"""Server-side apply, ``application/apply-patch+yaml``.

A simplified structured-merge-diff, good for ``kubectl apply --server-side``
of the kinds jobyard serves. :func:`apply` merges the applied configuration
into the live object — associative lists (``x-kubernetes-list-type: map``) by
their ``x-kubernetes-list-map-keys``, sets by value, atomic lists and maps
(and lists without a marker) replaced whole, other maps key by key — and
keeps ``metadata.managedFields``:

* the applier's ``Apply`` entry becomes exactly the fields it applied;
* a field it sets to a value other than live, owned by another manager, is a
  conflict (409, causes of reason ``FieldManagerConflict``) unless ``force``,
  which moves ownership to the applier;
* fields it applied before and no longer applies are removed, unless another
  manager owns them (then they stay, with that manager);
* a live object without managedFields is first owned whole by
  ``before-first-apply``, as upstream does.

Not covered: version conversion of field sets (every entry is read as the
applied apiVersion), unions, the ``i:`` (list index) ownership of granular
lists upstream does not use for built-in kinds, defaults of key fields other
than ``protocol``, and the per-pointer-struct ``.`` markers upstream's typed
objects produce on update (our maps are marked, our structs are not).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from jobyard.cluster.errors import BadRequest, Cause, Conflict
from jobyard.cluster.schema import definition

from ._fieldset import FieldSet, Path, compare, element_of, field_set, path_string, with_prefixes
from ._managed_fields import Manager, content, ownable, read_managers, write_managers
from ._markers import Node, field_node, is_atomic_map, item_node, list_map_keys, list_type

__all__ = ["apply"]

_MISSING = object()


def apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    manager: str,
    force: bool,
    definition_name: str,
    now: str,
    *,
    subresource: str = "",
    ignored_fields: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: create).

    ``ignored_fields`` are top-level fields the write cannot set (``status`` on
    the main resource); the registry resets them, and nobody owns them.
    """
    if not isinstance(applied, dict):
        raise BadRequest("error decoding YAML: the applied configuration must be an object")
    if (applied.get("metadata") or {}).get("managedFields") is not None:
        raise BadRequest("metadata.managedFields must be nil")
    node = definition(definition_name)
    config = content(applied)
    _check_unique_keys(config, node, (), applied)
    before = content(live) if live is not None else {}
    managers = read_managers(live)
    if live is not None and not managers:
        managers = [
            Manager(
                "before-first-apply",
                "Update",
                live.get("apiVersion", ""),
                ownable(field_set(before, node), ignored_fields),
            )
        ]
    merged = _merge(before, config, node)
    taken = ownable(compare(before, merged, node).changed, ignored_fields)
    me = Manager(
        manager,
        "Apply",
        config.get("apiVersion", ""),
        ownable(field_set(config, node), ignored_fields),
        now,
        subresource,
    )
    previous = next((entry for entry in managers if entry.identity == me.identity), None)
    others = [entry for entry in managers if entry.identity != me.identity]
    conflicts = [(entry, path) for entry in others for path in sorted(entry.fields & taken, key=path_string)]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    others = [replace(entry, fields=entry.fields - taken) for entry in others]
    owned = me.fields.union(*(entry.fields for entry in others))
    last = previous.fields if previous else frozenset()
    plan = _Prune.of(remove=last - owned, keep=owned)
    result = _prune(merged, node, (), plan)
    if previous is not None and result == before and previous.fields == me.fields:
        me = replace(me, time=previous.time)
    return write_managers(result, [*others, me])


def _merge(live: Any, config: Any, node: Node | None) -> Any:
    if config is _MISSING:
        return live
    if live is _MISSING or config is None:
        return config
    if isinstance(live, dict) and isinstance(config, dict) and not is_atomic_map(node):
        merged = {}
        for key in list(live) + [key for key in config if key not in live]:
            value = _merge(live.get(key, _MISSING), config.get(key, _MISSING), field_node(node, key))
            if value is not None:
                merged[key] = value
        return merged
    if isinstance(live, list) and isinstance(config, list) and list_type(node) in ("map", "set"):
        element = item_node(node)
        applied = {element_of(node, item, index): item for index, item in enumerate(config)}
        merged_items = []
        seen = set()
        for index, item in enumerate(live):
            key = element_of(node, item, index)
            seen.add(key)
            merged_items.append(_merge(item, applied.get(key, _MISSING), element))
        merged_items.extend(item for key, item in applied.items() if key not in seen)
        return merged_items
    return config


@dataclass(frozen=True)
class _Prune:
    remove: FieldSet
    keep: FieldSet
    remove_above: frozenset[Path]
    keep_above: frozenset[Path]

    @classmethod
    def of(cls, remove: FieldSet, keep: FieldSet) -> _Prune:
        return cls(remove, keep, with_prefixes(remove), with_prefixes(keep))


def _prune(value: Any, node: Node | None, path: Path, plan: _Prune, forced: bool = False) -> Any:
    """``value`` without the fields ``plan`` removes; a removed field keeps what others own below it."""
    if isinstance(value, dict) and not is_atomic_map(node):
        pruned = {}
        for key, child in value.items():
            kept = _prune_child(child, field_node(node, key), path + (("f", key),), plan, forced)
            if kept is not _MISSING:
                pruned[key] = kept
        return pruned
    if isinstance(value, list) and list_type(node) in ("map", "set"):
        element = item_node(node)
        items = []
        for index, item in enumerate(value):
            kept = _prune_child(item, element, path + (element_of(node, item, index),), plan, forced)
            if kept is _MISSING:
                continue
            if isinstance(kept, dict) and isinstance(item, dict):
                # An element kept for what others own below it keeps its identity.
                kept = {**{name: item[name] for name in list_map_keys(node) if name in item}, **kept}
            items.append(kept)
        return items
    return value


def _prune_child(child: Any, node: Node | None, path: Path, plan: _Prune, forced: bool) -> Any:
    if path in plan.keep:
        return _prune(child, node, path, plan)
    if forced or path in plan.remove:
        return _prune(child, node, path, plan, forced=True) if path in plan.keep_above else _MISSING
    if path in plan.remove_above:
        pruned = _prune(child, node, path, plan)
        emptied = isinstance(child, (dict, list)) and child and not pruned
        return _MISSING if emptied else pruned
    return child


def _check_unique_keys(value: Any, node: Node | None, path: Path, applied: dict[str, Any]) -> None:
    """Upstream refuses an applied configuration naming one list element twice."""
    if isinstance(value, dict) and not is_atomic_map(node):
        for key, child in value.items():
            _check_unique_keys(child, field_node(node, key), path + (("f", key),), applied)
    elif isinstance(value, list) and list_type(node) in ("map", "set"):
        element = item_node(node)
        seen = set()
        for index, item in enumerate(value):
            key = element_of(node, item, index)
            if key in seen:
                kind = f"{applied.get('apiVersion', '')}, Kind={applied.get('kind', '')}"
                raise BadRequest(
                    f"failed to create typed patch object ({kind}): {path_string(path)}: "
                    f"duplicate entries for key {path_string((key,))}"
                )
            seen.add(key)
            _check_unique_keys(item, element, path + (key,), applied)


def _conflict_error(conflicts: list[tuple[Manager, Path]]) -> Conflict:
    causes = [
        Cause(field=path_string(path), reason="FieldManagerConflict", message=f"conflict with {entry.describe()}")
        for entry, path in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {entry.describe()}: {path_string(path)}"
    else:
        lines = []
        for entry in sorted({entry for entry, _ in conflicts}, key=lambda m: m.identity):
            lines.append(f"conflicts with {entry.describe()}:")
            lines.extend(f"- {path_string(path)}" for owner, path in conflicts if owner == entry)
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return Conflict(message, causes=causes)
