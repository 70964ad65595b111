"""Prometheus metrics at /metrics, named as upstream's apiserver names them."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class ApiMetrics:
    """One server's metrics; a registry of its own so servers in one process don't mix."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, watcher_count: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "apiserver_request",
            "Requests by verb, resource and HTTP code.",
            ("verb", "resource", "code"),
            registry=self.registry,
        )
        self._latency = Histogram(
            "apiserver_request_duration_seconds",
            "Request latency by verb and resource (watches: time to open the stream).",
            ("verb", "resource"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self._open_watches = Gauge("apiserver_longrunning_requests", "Open watch streams.", registry=self.registry)
        Gauge(
            "apiserver_registered_watchers", "Watchers registered on the store.", registry=self.registry
        ).set_function(watcher_count)

    def observe(self, verb: str, resource: str, code: int, seconds: float) -> None:
        self._requests.labels(verb, resource, str(code)).inc()
        self._latency.labels(verb, resource).observe(seconds)

    def watch_opened(self) -> None:
        self._open_watches.inc()

    def watch_closed(self) -> None:
        self._open_watches.dec()

    def render(self) -> bytes:
        return generate_latest(self.registry)
