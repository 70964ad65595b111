"""Three-way merge of manifests: how the form edits a Job it cannot fully show.

``base`` is what the form generated when the Job was opened, ``ours`` what it generates now and
``theirs`` the Job as it was written (by kubectl, say). Where the user changed nothing (ours equals
base) theirs wins, so fields the form cannot show survive untouched; where the user changed
something, ours wins. Lists of named things (containers, volumes, env, ports …) are merged item by
item on their key, like strategic merge patch; other lists are values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["merge3"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

_ListKey = Callable[[dict[str, Any]], Any]


def _by_name(item: dict[str, Any]) -> Any:
    return item.get("name")


def _by_port(field: str) -> _ListKey:
    return lambda item: (item.get(field), item.get("protocol") or "TCP")


def _by_env_source(item: dict[str, Any]) -> Any:
    ref = item.get("configMapRef") or item.get("secretRef") or {}
    return ("configMapRef" in item, ref.get("name"), item.get("prefix") or "")


# Keyed by the list's field name: the same name means the same kind of list everywhere it occurs
# in a Job or Service, except "ports", whose key field differs between container and Service.
_LIST_KEYS: dict[str, _ListKey] = {
    "containers": _by_name,
    "initContainers": _by_name,
    "volumes": _by_name,
    "imagePullSecrets": _by_name,
    "env": _by_name,
    "envFrom": _by_env_source,
    "volumeMounts": lambda item: item.get("mountPath"),
}
_PORT_KEYS = (_by_port("containerPort"), _by_port("port"))


def merge3(base: Any, ours: Any, theirs: Any, field: str = "") -> Any:
    """Theirs with our changes since base applied; ``MISSING`` stands for an absent value."""
    if ours == base:
        return theirs
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return _merge_dicts(base if isinstance(base, dict) else {}, ours, theirs)
    if isinstance(ours, list) and isinstance(theirs, list):
        key = _list_key(field, base if isinstance(base, list) else [], ours, theirs)
        if key is not None:
            return _merge_keyed(key, base if isinstance(base, list) else [], ours, theirs, field)
    return ours


def _merge_dicts(base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in [*theirs, *(k for k in ours if k not in theirs)]:
        value = merge3(base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING), key)
        if value is not MISSING:
            merged[key] = value
    return merged


def _list_key(field: str, *lists: list[Any]) -> _ListKey | None:
    """The key that tells the items of all three lists apart, or None when they must be one value."""
    candidates = _PORT_KEYS if field == "ports" else (_LIST_KEYS[field],) if field in _LIST_KEYS else ()
    for key in candidates:
        if all(_unique_keys(key, items) for items in lists):
            return key
    return None


def _unique_keys(key: _ListKey, items: list[Any]) -> bool:
    if not all(isinstance(item, dict) for item in items):
        return False
    keys = [key(item) for item in items]
    return None not in keys and not any(k == (None, "TCP") for k in keys) and len(set(keys)) == len(keys)


def _merge_keyed(
    key: _ListKey, base: list[dict[str, Any]], ours: list[dict[str, Any]], theirs: list[dict[str, Any]], field: str
) -> list[Any]:
    by_key = [{key(item): item for item in items} for items in (base, ours, theirs)]
    order = [key(item) for item in theirs] + [key(item) for item in ours if key(item) not in by_key[2]]
    merged = []
    for item_key in order:
        base_item, our_item, their_item = (items.get(item_key, MISSING) for items in by_key)
        value = merge3(base_item, our_item, their_item, field)
        if value is not MISSING:
            merged.append(value)
    return merged
