"""The objects of one kind as a list and the watch events after it left them: an informer's pure part.

``replace`` takes a (re)list, ``apply`` one watch event, in the order the server sent them; the
store's ``resource_version`` is the last one seen, where a watch resumes. ``observe`` takes an
object the console itself just wrote, so a read right after the write shows it before its watch
event arrives (read-your-writes). Objects are kept by namespace, and pods also by the uid of
their controller, so a Job's pods are found without scanning every pod.

Resource versions are compared as integers, as the API server's own watch cache does (etcd
revisions, and the embedded cluster's counter); one that is not an integer is never taken as
newer, so an observed write then simply waits for its watch event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ._client import WatchEvent

__all__ = ["ObjectStore", "controller_uid", "is_newer"]

Obj = dict[str, Any]
_UPSERTS = frozenset({"ADDED", "MODIFIED"})


def is_newer(version: str, than: str) -> bool:
    """Whether resourceVersion ``version`` comes after ``than``; False when either is not a number."""
    return version.isdigit() and than.isdigit() and int(version) > int(than)


def controller_uid(obj: Obj) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("uid"):
            return str(ref["uid"])
    return None


def _slim(obj: Obj) -> Obj:
    """The object without ``managedFields``, which no page shows and which make up much of a stored pod."""
    metadata = obj.get("metadata") or {}
    if "managedFields" not in metadata:
        return obj
    return {**obj, "metadata": {key: value for key, value in metadata.items() if key != "managedFields"}}


def _version(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class ObjectStore:
    """Objects by namespace and name; with ``by_controller``, also by their controller's uid."""

    def __init__(self, *, by_controller: bool = False) -> None:
        self.resource_version = ""
        self._by_namespace: dict[str, dict[str, Obj]] = {}
        self._by_controller: dict[str, dict[tuple[str, str], Obj]] | None = {} if by_controller else None

    def __len__(self) -> int:
        return sum(len(objects) for objects in self._by_namespace.values())

    def replace(self, items: Iterable[Obj], resource_version: str) -> None:
        """What a list returned: everything before it is forgotten."""
        self._by_namespace = {}
        if self._by_controller is not None:
            self._by_controller = {}
        for item in items:
            self._put(_slim(item))
        self.resource_version = resource_version

    def apply(self, event: WatchEvent) -> bool:
        """One watch event; True when an object changed (a BOOKMARK only moves the version)."""
        version = event.resource_version
        if event.type in _UPSERTS:
            current = self.get(_namespace(event.object), _name(event.object))
            # An object the console observed after writing it is not put back to an older version.
            if current is None or _uid(current) != _uid(event.object) or not is_newer(_version(current), version):
                self._put(_slim(event.object))
        elif event.type == "DELETED":
            self._remove(event.object)
        if version:
            self.resource_version = version
        return event.type != "BOOKMARK"

    def observe(self, obj: Obj) -> bool:
        """An object the console wrote; kept unless the watch already went past its version."""
        version = _version(obj)
        if not is_newer(version, self.resource_version):
            return False
        current = self.get(_namespace(obj), _name(obj))
        if current is not None and not is_newer(version, _version(current)):
            return False
        self._put(_slim(obj))
        return True

    def get(self, namespace: str, name: str) -> Obj | None:
        return self._by_namespace.get(namespace, {}).get(name)

    def items(self, namespace: str | None = None) -> list[Obj]:
        """Every object (of ``namespace`` when given), in no particular order."""
        if namespace is not None:
            return list(self._by_namespace.get(namespace, {}).values())
        return [obj for objects in self._by_namespace.values() for obj in objects.values()]

    def controlled_by(self, uid: str) -> list[Obj]:
        """The objects whose controller (``ownerReferences[].controller``) has ``uid``."""
        if self._by_controller is None:
            raise ValueError("this store keeps no controller index")
        return list(self._by_controller.get(uid, {}).values())

    def __iter__(self) -> Iterator[Obj]:
        return iter(self.items())

    def _put(self, obj: Obj) -> None:
        namespace, name = _namespace(obj), _name(obj)
        objects = self._by_namespace.setdefault(namespace, {})
        previous = objects.get(name)
        if previous is not None:
            self._unindex(previous)
        objects[name] = obj
        if self._by_controller is not None and (uid := controller_uid(obj)) is not None:
            self._by_controller.setdefault(uid, {})[(namespace, name)] = obj

    def _remove(self, obj: Obj) -> None:
        namespace, name = _namespace(obj), _name(obj)
        objects = self._by_namespace.get(namespace)
        if objects is None or name not in objects or _uid(objects[name]) != _uid(obj):
            # Gone already, or the name now holds a newer object the console observed.
            return
        self._unindex(objects.pop(name))
        if not objects:
            del self._by_namespace[namespace]

    def _unindex(self, obj: Obj) -> None:
        if self._by_controller is None or (uid := controller_uid(obj)) is None:
            return
        owned = self._by_controller.get(uid)
        if owned is not None:
            owned.pop((_namespace(obj), _name(obj)), None)
            if not owned:
                del self._by_controller[uid]


def _namespace(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _uid(obj: Obj) -> str | None:
    return (obj.get("metadata") or {}).get("uid")
