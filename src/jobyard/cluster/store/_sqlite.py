from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._events import Watcher, WatchEvent
from ._stored import StoredObject, decode, encode


@dataclass(frozen=True, slots=True)
class _Past:
    """A watch event kept for resuming watches: the stored JSON text only.

    Decoded objects are several times larger than their text, and a pod that
    changes five times would otherwise be held five times over; the text of
    ``previous`` is the very string of the event before, so it costs nothing.
    """

    resource_version: int
    type: str
    resource: str
    namespace: str
    name: str
    text: str
    previous_text: str | None

    @classmethod
    def of(cls, event: WatchEvent) -> _Past:
        previous = event.previous
        previous_text = previous.json if isinstance(previous, StoredObject) else None
        text = event.obj.json if isinstance(event.obj, StoredObject) else encode(event.obj)
        return cls(event.resource_version, event.type, event.resource, event.namespace, event.name, text, previous_text)

    def event(self) -> WatchEvent:
        previous = StoredObject(decode(self.previous_text), self.previous_text) if self.previous_text else None
        obj = StoredObject(decode(self.text), self.text)
        return WatchEvent(self.resource_version, self.type, self.resource, self.namespace, self.name, obj, previous)


Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped kinds

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    resource_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (resource, namespace, name)
);
CREATE TABLE IF NOT EXISTS events (
    resource_version INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL
);
"""

# Trim the event log in steps, not on every write.
_TRIM_EVERY = 512

# Kept as their JSON text only, decoded when read: Events are written for every step of every
# pod and read only by people, and their decoded form was two thirds of their memory. A Job
# of 10,000 pods leaves 40,000 of them.
_TEXT_ONLY = frozenset({"events"})


class Store:
    """Objects by resource ("pods", "jobs.batch") and (namespace, name).

    Objects handed out are shared with the store: callers copy before they
    change one. Writers pass the full new object; the store stamps
    ``metadata.resourceVersion`` itself.
    """

    def __init__(self, path: Path, *, history_size: int = 10000) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a killed process; only power loss may drop
        # the last transactions, which a single-node dev cluster accepts.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._objects: dict[str, dict[Key, StoredObject | str]] = {}
        self._by_uid: dict[str, tuple[str, Key]] = {}
        self._history: deque[_Past] = deque(maxlen=history_size)
        self._history_size = history_size
        self._watchers: set[Watcher] = set()
        self._writes_since_trim = 0
        self.resource_version = 0
        self._load()

    def _load(self) -> None:
        for resource, namespace, name, rv, data in self._db.execute(
            "SELECT resource, namespace, name, resource_version, data FROM objects"
        ):
            stored = StoredObject(decode(data), data)
            self._objects.setdefault(resource, {})[(namespace, name)] = _kept(resource, stored)
            self._index_uid(resource, (namespace, name), stored)
            self.resource_version = max(self.resource_version, rv)
        rows = self._db.execute(
            "SELECT resource_version, type, resource, namespace, name, data FROM events "
            "ORDER BY resource_version DESC LIMIT ?",
            (self._history_size,),
        ).fetchall()
        for rv, type_, resource, namespace, name, data in reversed(rows):
            self._history.append(_Past(rv, type_, resource, namespace, name, data, None))
            self.resource_version = max(self.resource_version, rv)

    def close_watchers(self) -> None:
        """End every open watch (their streams finish); new ones may still open."""
        for watcher in list(self._watchers):
            watcher.close()

    def close(self) -> None:
        self.close_watchers()
        self._db.close()

    # Reads

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        return _object(self._objects.get(resource, {}).get((namespace, name)))

    def list(self, resource: str, namespace: str | None = None) -> list[Obj]:
        """Objects sorted by (namespace, name), as etcd's key order gives upstream."""
        objects = self._objects.get(resource, {})
        keys = sorted(k for k in objects if namespace is None or k[0] == namespace)
        return [_stored_object(objects[k]) for k in keys]

    def count(self, resource: str) -> int:
        return len(self._objects.get(resource, {}))

    def resources_in_namespace(self, namespace: str) -> Iterator[str]:
        """Resources that still hold objects in ``namespace``."""
        for resource, objects in self._objects.items():
            if any(key[0] == namespace for key in objects):
                yield resource

    # Writes

    def holds_uid(self, uid: str) -> bool:
        """Whether an object with this uid is stored; unlike :meth:`get_by_uid`, nothing is decoded."""
        return uid in self._by_uid

    def get_by_uid(self, uid: str) -> tuple[str, Obj] | None:
        """The resource and object with this uid, if it is stored."""
        found = self._by_uid.get(uid)
        if found is None:
            return None
        resource, key = found
        obj = _object(self._objects.get(resource, {}).get(key))
        return (resource, obj) if obj is not None else None

    def _index_uid(self, resource: str, key: Key, obj: Obj) -> None:
        uid = obj.get("metadata", {}).get("uid")
        if uid:
            self._by_uid[uid] = (resource, key)

    def put(self, resource: str, obj: Obj, event_type: str) -> StoredObject:
        """Store ``obj`` (created or modified) under the next resourceVersion."""
        rv, key, stored = self._persist(resource, obj, event_type)
        previous = _object(self._objects.setdefault(resource, {}).get(key))
        self._objects[resource][key] = _kept(resource, stored)
        self._index_uid(resource, key, stored)
        self._publish(WatchEvent(rv, event_type, resource, key[0], key[1], stored, previous))
        return stored

    def remove(self, resource: str, obj: Obj) -> StoredObject:
        """Delete ``obj``; the DELETED event carries it with a new resourceVersion."""
        rv, key, stored = self._persist(resource, obj, "DELETED")
        previous = _object(self._objects.get(resource, {}).pop(key, None))
        if previous is not None:
            self._by_uid.pop(previous.get("metadata", {}).get("uid", ""), None)
        self._publish(WatchEvent(rv, "DELETED", resource, key[0], key[1], stored, previous))
        return stored

    def _persist(self, resource: str, obj: Obj, event_type: str) -> tuple[int, Key, StoredObject]:
        """One transaction: the object (or its removal) and its watch event, at the next resourceVersion."""
        meta = obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        rv = self.resource_version + 1
        meta["resourceVersion"] = str(rv)
        data = encode(obj)
        with self._transaction():
            if event_type == "DELETED":
                self._db.execute(
                    "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?",
                    (resource, key[0], key[1]),
                )
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                    (resource, key[0], key[1], rv, data),
                )
            self._append_event(rv, event_type, resource, key, data)
        self.resource_version = rv
        return rv, key, StoredObject(obj, data)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _append_event(self, rv: int, event_type: str, resource: str, key: Key, data: str) -> None:
        self._db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
            (rv, event_type, resource, key[0], key[1], data),
        )
        self._writes_since_trim += 1
        if self._writes_since_trim >= _TRIM_EVERY:
            self._writes_since_trim = 0
            self._db.execute("DELETE FROM events WHERE resource_version <= ?", (rv - self._history_size,))

    # Watches

    def _publish(self, event: WatchEvent) -> None:
        self._history.append(_Past.of(event))
        for watcher in list(self._watchers):
            if watcher.wants(event):
                watcher.push(event)

    def watch(self, resource: str, namespace: str | None, since: int, capacity: int) -> Watcher | None:
        """A watcher that first replays the events after ``since``.

        None when events after ``since`` are no longer kept (410 Expired).
        """
        oldest_kept = self._history[0].resource_version if self._history else self.resource_version + 1
        if since < self.resource_version and since < oldest_kept - 1:
            return None
        replay = [
            past.event()
            for past in self._history
            if past.resource_version > since
            and past.resource == resource
            and (namespace is None or past.namespace == namespace)
        ]
        # Room for the whole replay comes on top of the live capacity.
        watcher = Watcher(resource, namespace, capacity + len(replay))
        for event in replay:
            watcher.push(event)
        self._watchers.add(watcher)
        return watcher

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.discard(watcher)
        watcher.close()

    @property
    def watcher_count(self) -> int:
        return len(self._watchers)


def _kept(resource: str, stored: StoredObject) -> StoredObject | str:
    """What the store holds of an object: the object, or its text alone for kinds kept as text
    and for pods that are done."""
    return stored.json if resource in _TEXT_ONLY or (resource == "pods" and _settled(stored)) else stored


def _settled(pod: Obj) -> bool:
    """A pod that ran to its end and that no finalizer holds: nothing acts on it any more, and a Job
    of 10,000 pods leaves 10,000 of them, each about 21 KB decoded against 5 KB of text."""
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed") and not pod["metadata"].get("finalizers")


def _stored_object(kept: StoredObject | str) -> StoredObject:
    return StoredObject(decode(kept), kept) if isinstance(kept, str) else kept


def _object(kept: StoredObject | str | None) -> StoredObject | None:
    return None if kept is None else _stored_object(kept)
