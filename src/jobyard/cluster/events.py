"""Recording core/v1 Events as client-go's recorder does, for controllers and the node."""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from typing import Any

from jobyard.cluster.client import LocalClient
from jobyard.cluster.clock import Clock, format_time, system_clock
from jobyard.cluster.errors import StatusError

__all__ = ["EVENT_BURST", "EVENT_REFILL_SECONDS", "EventRecorder", "EventSpamFilter"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

# client-go's event recorder lets one source write 25 events about one object at once,
# then one per 5 minutes (EventSourceObjectSpamFilter); a big Job's pods do not flood the store.
EVENT_BURST = 25
EVENT_REFILL_SECONDS = 300.0
_MAX_BUCKETS = 4096  # client-go's maxLruCacheEntries
_SERIAL = itertools.count()


class EventSpamFilter:
    """A token bucket per involved object, as client-go's EventSourceObjectSpamFilter keys it.

    Like client-go's, it keeps the buckets of the 4,096 objects seen last: a kubelet sees every
    pod once, and buckets of pods long gone would otherwise pile up for ever.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # uid -> (tokens, when counted)

    def allow(self, uid: str) -> bool:
        now = self.clock()
        tokens, since = self._buckets.pop(uid, (float(EVENT_BURST), now))
        tokens = min(float(EVENT_BURST), tokens + (now - since) / EVENT_REFILL_SECONDS)
        allowed = tokens >= 1.0
        self._buckets[uid] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > _MAX_BUCKETS:
            self._buckets.popitem(last=False)
        return allowed

    def forget(self, uid: str) -> None:
        self._buckets.pop(uid, None)


class EventRecorder:
    """Writes Events about objects for one component (``source.component``), rate-limited per object."""

    def __init__(self, client: LocalClient, component: str, clock: Clock = system_clock, host: str = "") -> None:
        self.client = client
        self.component = component
        self.clock = clock
        self.host = host
        self.spam = EventSpamFilter(clock)

    def record(self, involved: Obj, event_type: str, reason: str, message: str, field_path: str = "") -> None:
        meta = involved.get("metadata") or {}
        if not self.spam.allow(meta.get("uid", "")):
            return
        namespace = meta.get("namespace") or "default"
        now = format_time(self.clock())
        reference = {
            "apiVersion": involved.get("apiVersion", "v1"),
            "kind": involved.get("kind", ""),
            "name": meta.get("name", ""),
            "namespace": meta.get("namespace", ""),
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        if field_path:
            reference["fieldPath"] = field_path
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            # Upstream's recorder names events <object>.<unix nanoseconds in hex>; the serial keeps
            # names unique under a frozen test clock.
            "metadata": {
                "name": f"{meta.get('name', '')}.{int(self.clock() * 1e9) + next(_SERIAL):x}",
                "namespace": namespace,
            },
            "involvedObject": reference,
            "type": event_type,
            "reason": reason,
            "message": message,
            "source": source,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        try:
            self.client.create("events", namespace, body)
        except StatusError:
            log.warning("%s: could not record event %s for %s", self.component, reason, meta.get("name", ""))
