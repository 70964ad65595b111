"""WATCH: replay from a resourceVersion, then live events, bookmarks and timeouts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from jobyard.cluster.errors import Gone
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.selectors import Selector

from ._listing import parse_resource_version, parse_selectors, selects
from ._options import WatchOptions

if TYPE_CHECKING:
    from ._registry import Registry

Obj = dict[str, Any]


def _expired(message: str) -> Obj:
    return {"type": "ERROR", "object": Gone(message).status()}


def watch(registry: Registry, rtype: ResourceType, namespace: str | None, options: WatchOptions) -> AsyncIterator[Obj]:
    """Watch events as upstream streams them: ``{"type": ..., "object": ...}``.

    Without a resourceVersion (or with "0") the stream opens with an ADDED
    event per existing object; with one, it replays what changed after it.
    Bad selectors and versions raise here, before any event is streamed.
    """
    labels, fields = parse_selectors(rtype, options.label_selector, options.field_selector)
    since = None
    if options.resource_version not in (None, "", "0"):
        since = parse_resource_version(options.resource_version)
    return _stream(registry, rtype, namespace, options, labels, fields, since)


async def _stream(
    registry: Registry,
    rtype: ResourceType,
    namespace: str | None,
    options: WatchOptions,
    labels: Selector,
    fields: Selector,
    since: int | None,
) -> AsyncIterator[Obj]:
    store = registry.store
    initial: list[Obj] = []
    if since is None:
        since = store.resource_version
        initial = [obj for obj in store.list(rtype.qualified_plural, namespace) if selects(rtype, labels, fields, obj)]
    watcher = store.watch(rtype.qualified_plural, namespace, since, registry.watch_queue_size)
    if watcher is None:
        yield _expired(f"too old resource version: {since} ({store.resource_version})")
        return
    try:
        for obj in initial:
            yield {"type": "ADDED", "object": obj}
        started = time.monotonic()
        deadline = started + options.timeout_seconds if options.timeout_seconds else None
        next_bookmark = started + registry.bookmark_interval_seconds
        while True:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return
            wake_ups = [t for t in (deadline, next_bookmark if options.allow_bookmarks else None) if t is not None]
            wait = min(wake_ups) - now if wake_ups else None
            event = await watcher.next(wait)
            if event is None:
                if watcher.overflowed:
                    yield _expired("watch closed: the client fell too far behind; re-list and watch again")
                    return
                if watcher.closed:
                    return
                if options.allow_bookmarks and time.monotonic() >= next_bookmark:
                    next_bookmark = time.monotonic() + registry.bookmark_interval_seconds
                    yield {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": rtype.kind,
                            "apiVersion": rtype.api_version,
                            "metadata": {"resourceVersion": str(store.resource_version)},
                        },
                    }
                continue
            now_selected = selects(rtype, labels, fields, event.obj)
            if event.type == "DELETED":
                if now_selected:
                    yield {"type": "DELETED", "object": event.obj}
                continue
            was_selected = event.previous is not None and selects(rtype, labels, fields, event.previous)
            if event.type == "MODIFIED" and event.previous is None:
                was_selected = now_selected
            if now_selected and (was_selected or event.type == "ADDED"):
                yield {"type": event.type, "object": event.obj}
            elif now_selected:
                yield {"type": "ADDED", "object": event.obj}
            elif was_selected:
                yield {"type": "DELETED", "object": event.obj}
    finally:
        store.unwatch(watcher)
