"""WATCH: replay from a resourceVersion, then live events, bookmarks and timeouts."""

from __future__ import annotations

import copy
import time
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING, Any

from jobyard.cluster.errors import BadRequest, Cause, Gone, Invalid
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.selectors import Selector
from jobyard.cluster.store import WatchEvent

from ._listing import parse_resource_version, parse_selectors, selects
from ._options import WatchOptions

if TYPE_CHECKING:
    from ._registry import Registry

Obj = dict[str, Any]


def _as_seen_through(event: WatchEvent, selected: Callable[[Obj], bool]) -> Obj | None:
    """The event a selector-filtered watch sends, as upstream's cacheWatcher: an object
    entering the selection is ADDED, one leaving it is DELETED in its previous state."""
    previous = event.previous
    if previous is None and event.type != "ADDED":
        # Events replayed from before a restart carry no previous object.
        previous = event.obj
    now_passes = event.type != "DELETED" and selected(event.obj)
    before_passed = previous is not None and selected(previous)
    if now_passes:
        return {"type": "MODIFIED" if before_passed else "ADDED", "object": event.obj}
    if before_passed:
        assert previous is not None
        gone = copy.copy(previous)
        gone["metadata"] = {**previous["metadata"], "resourceVersion": str(event.resource_version)}
        return {"type": "DELETED", "object": gone}
    return None


def _bookmark(rtype: ResourceType, resource_version: int, annotations: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"resourceVersion": str(resource_version)}
    if annotations:
        meta["annotations"] = annotations
    return {"type": "BOOKMARK", "object": {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": meta}}


def _expired(message: str) -> Obj:
    return {"type": "ERROR", "object": Gone(message).status()}


def watch(
    registry: Registry, rtype: ResourceType, namespace: str | None, options: WatchOptions
) -> AsyncGenerator[Obj, None]:
    """Watch events as upstream streams them: ``{"type": ..., "object": ...}``.

    Without a resourceVersion (or with "0") the stream opens with an ADDED
    event per existing object; with one, it replays what changed after it.
    Bad selectors and versions raise here, before any event is streamed.
    """
    labels, fields = parse_selectors(rtype, options.label_selector, options.field_selector)
    if options.send_initial_events is not None:
        if options.resource_version_match != "NotOlderThan":
            raise Invalid.of(
                "ListOptions",
                "",
                [
                    Cause(
                        "sendInitialEvents",
                        "FieldValueForbidden",
                        "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan",
                    )
                ],
                group="meta.k8s.io",
            )
        if options.send_initial_events and not options.allow_bookmarks:
            raise Invalid.of(
                "ListOptions",
                "",
                [
                    Cause(
                        "allowWatchBookmarks",
                        "FieldValueForbidden",
                        "Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is true",
                    )
                ],
                group="meta.k8s.io",
            )
    elif options.resource_version_match:
        raise BadRequest("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
    since = None
    if options.resource_version not in (None, "", "0") and not options.send_initial_events:
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
) -> AsyncGenerator[Obj, None]:
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
        if options.send_initial_events:
            yield _bookmark(rtype, since, {"k8s.io/initial-events-end": "true"})
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
                    yield _bookmark(rtype, store.resource_version)
                continue
            change = _as_seen_through(event, lambda obj: selects(rtype, labels, fields, obj))
            if change is not None:
                yield change
    finally:
        store.unwatch(watcher)
