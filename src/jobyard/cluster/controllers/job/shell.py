"""The Job controller's shell: watches, queueing, expectations, and applying each Plan through the API.

Everything it decides is decided by ``core.sync``; this module only gathers the
inputs (the Job, the pods it owns after adoption and release, the in-memory
expectations and backoff record) and hands the Plan to ``apply_plan``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from jobyard.cluster.client import LocalClient
from jobyard.cluster.clock import Clock, system_clock
from jobyard.cluster.errors import NotFound, StatusError
from jobyard.cluster.events import EventRecorder
from jobyard.cluster.registry import JSON_PATCH, DeleteOptions

from .._runtime import Controller, split_key
from ._apply import apply_plan
from ._ownership import (
    adoption_patch,
    classify_pods,
    controller_uid,
    finalizer_removal_patch,
    needs_finalizer_cleanup,
)
from ._plan import Event, Expectations, Memory, Settings
from ._pods import has_tracking_finalizer, is_terminal, meta
from ._triggers import POD_BATCH_SECONDS, controller_job_key, job_event_delay, pod_event_delay
from .core import is_finished, sync

__all__ = ["EXPECTATIONS_TIMEOUT_SECONDS", "JobController"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

# Unobserved pod writes stop blocking a Job after this long, as upstream's expectations do.
EXPECTATIONS_TIMEOUT_SECONDS = 300.0
_COMPONENT = "job-controller"


class _ClientJobApi:
    """``JobApi`` over the in-process client, for one Job in one sync."""

    def __init__(self, client: LocalClient, job: Obj, pods: dict[str, Obj], recorder: EventRecorder) -> None:
        self.client = client
        self.job = job
        self.pods = pods  # by name, as the cache showed them
        self.recorder = recorder
        self.namespace = job["metadata"].get("namespace", "")

    def create_pod(self, pod: Obj) -> Obj:
        return self.client.create("pods", self.namespace, pod)

    def delete_pod(self, name: str, uid: str) -> None:
        self.client.delete("pods", self.namespace, name, DeleteOptions(precondition_uid=uid))

    def remove_finalizer(self, name: str, uid: str) -> None:
        pod = self.pods.get(name)
        patch = finalizer_removal_patch(pod) if pod is not None else None
        if patch is not None:
            self.client.patch("pods", self.namespace, name, JSON_PATCH, patch)

    def write_status(self, status: Obj) -> None:
        self.job = self.client.update("jobs.batch", {**self.job, "status": status}, subresource="status")

    def record_event(self, event: Event) -> None:
        self.recorder.record(
            {"apiVersion": "batch/v1", "kind": "Job", **self.job}, event.type, event.reason, event.message
        )


class _RelevantPods:
    """The pods a sync may act on, by namespace and controller uid ("" for orphans): names only.

    A finished pod of some controller whose tracking finalizer is gone is already in its Job's
    status and is neither adopted nor released: it is left out, so a long Job's syncs do not
    grow with every pod it ever ran. Keyed by controller, a sync reads its own pods and the
    orphans it may adopt, never every pod of a busy namespace.
    """

    def __init__(self) -> None:
        self._pods: dict[str, dict[str, dict[str, str]]] = {}
        self._placed: dict[str, tuple[str, str]] = {}  # pod uid -> (namespace, controller uid)

    def index(self, event_type: str, pod: Obj) -> None:
        uid = meta(pod).get("uid", "")
        self._forget(uid)
        controller = controller_uid(pod)
        settled = is_terminal(pod) and not has_tracking_finalizer(pod) and controller is not None
        if event_type == "DELETED" or settled:
            return
        place = (meta(pod).get("namespace", ""), controller or "")
        self._pods.setdefault(place[0], {}).setdefault(place[1], {})[uid] = meta(pod)["name"]
        self._placed[uid] = place

    def _forget(self, uid: str) -> None:
        placed = self._placed.pop(uid, None)
        if placed is None:
            return
        namespace, controller = placed
        buckets = self._pods[namespace]
        del buckets[controller][uid]
        if not buckets[controller]:
            del buckets[controller]
            if not buckets:
                del self._pods[namespace]

    def names(self, namespace: str, controllers: Sequence[str] | None = None) -> list[str]:
        """Names of the namespace's pods whose controller is one of ``controllers`` (any when None)."""
        buckets = self._pods.get(namespace, {})
        chosen = buckets.values() if controllers is None else (buckets.get(uid, {}) for uid in controllers)
        return [name for bucket in chosen for name in bucket.values()]


class JobController(Controller):
    """Runs upstream's Job controller over jobs.batch and the pods they own."""

    name = _COMPONENT
    watched = ("jobs.batch", "pods")
    # Upstream retries a failed Job sync after 1 s, doubling to a minute.
    retry_base_seconds = 1.0

    def __init__(
        self,
        client: LocalClient,
        *,
        concurrent_syncs: int = 5,
        settings: Settings = Settings(),
        batch_seconds: float = POD_BATCH_SECONDS,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__(client)
        self.workers = concurrent_syncs
        self.settings = settings
        self.batch_seconds = batch_seconds
        self.clock = clock
        self._memory: dict[str, Memory] = {}
        self._expected_since: dict[str, float] = {}
        self._generations: dict[str, int] = {}
        self._pod_versions: dict[str, tuple[str, bool]] = {}
        self._relevant_pods = _RelevantPods()
        self._events = EventRecorder(client, _COMPONENT, clock)

    def on_event(self, resource: str, event_type: str, obj: Obj) -> None:
        if resource == "pods":
            self.on_pod_event(event_type, obj)
        else:
            self.on_job_event(event_type, obj)

    def on_job_event(self, event_type: str, job: Obj) -> None:
        namespace, name = meta(job).get("namespace", ""), meta(job).get("name", "")
        key = f"{namespace}/{name}"
        old_generation = self._generations.get(key)
        old = None if old_generation is None else {"metadata": {"generation": old_generation}}
        if event_type == "DELETED":
            self._generations.pop(key, None)
            self._events.spam.forget(meta(job).get("uid", ""))
        else:
            self._generations[key] = meta(job).get("generation", 0)
        self.queue.add_after(key, job_event_delay(event_type, old, job, self.batch_seconds))

    def on_pod_event(self, event_type: str, pod: Obj) -> None:
        self._relevant_pods.index(event_type, pod)
        uid = meta(pod).get("uid", "")
        previous = self._pod_versions.get(uid)
        deleting = bool(meta(pod).get("deletionTimestamp"))
        if event_type == "DELETED":
            self._pod_versions.pop(uid, None)
        else:
            self._pod_versions[uid] = (meta(pod).get("resourceVersion", ""), deleting)
        old = None if previous is None else {"metadata": {"resourceVersion": previous[0]}}
        delay = pod_event_delay(event_type if previous is not None else "ADDED", old, pod, self.batch_seconds)
        key = controller_job_key(pod)
        if key is None:
            if event_type != "DELETED" and has_tracking_finalizer(pod):
                self._strip_finalizer(pod)
            return
        self._observe(key, event_type, pod, previous, deleting)
        if delay is not None:
            self.queue.add_after(key, delay)

    def _observe(self, key: str, event_type: str, pod: Obj, previous: tuple[str, bool] | None, deleting: bool) -> None:
        """Lower the Job's expectations for what this event shows happened."""
        memory = self._memory.get(key)
        if memory is None:
            return
        expected = memory.expectations
        if event_type == "ADDED" and previous is None:
            expected = replace(expected, creations=expected.creations - 1)
        # A pod counts as deleted the first time it shows a deletionTimestamp or disappears.
        went_away = event_type == "DELETED" or deleting
        if went_away and not (previous is not None and previous[1]):
            expected = replace(expected, deletions=expected.deletions - 1)
        if event_type == "DELETED" or not has_tracking_finalizer(pod):
            expected = replace(expected, finalizer_removals=expected.finalizer_removals - {meta(pod).get("uid", "")})
        self._memory[key] = replace(memory, expectations=expected)

    def _strip_finalizer(self, pod: Obj) -> None:
        patch = finalizer_removal_patch(pod)
        if patch is None:
            return
        try:
            self.client.patch("pods", meta(pod).get("namespace", ""), meta(pod)["name"], JSON_PATCH, patch)
        except NotFound:
            pass

    def _memory_for(self, key: str, now: float) -> Memory:
        memory = self._memory.get(key, Memory())
        since = self._expected_since.get(key)
        if since is not None and now - since >= EXPECTATIONS_TIMEOUT_SECONDS:
            memory = replace(memory, expectations=Expectations())
        return memory

    def _relevant(self, namespace: str, controllers: Sequence[str] | None = None) -> Sequence[Obj]:
        """The pods a sync can still act on (``_RelevantPods``), as stored, not copies.

        The core and the patch builders only read what this returns.
        """
        pods = []
        for name in self._relevant_pods.names(namespace, controllers):
            pod = self.client.peek("pods", namespace, name)
            if pod is not None:
                pods.append(pod)
        return pods

    def _owned_pods(self, job: Obj) -> list[Obj]:
        namespace = meta(job).get("namespace", "")
        # Its own pods and the orphans: classify_pods passes over every other controller's pods.
        ownership = classify_pods(job, self._relevant(namespace, (meta(job).get("uid", ""), "")))
        owned = list(ownership.owned)
        for pod in ownership.adopt:
            try:
                owned.append(
                    self.client.patch("pods", namespace, meta(pod)["name"], JSON_PATCH, adoption_patch(job, pod))
                )
            except StatusError:
                log.info("job-controller: could not adopt pod %s/%s", namespace, meta(pod)["name"])
        for pod in ownership.release:
            self._strip_finalizer(pod)
        return owned

    async def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        job = self.client.find("jobs.batch", namespace, name)
        if job is None or is_finished(job):
            self._memory.pop(key, None)
            self._expected_since.pop(key, None)
            for pod in self._relevant(namespace):
                if controller_job_key(pod) == key and needs_finalizer_cleanup(pod, job, True):
                    self._strip_finalizer(pod)
            return None
        now = self.clock()
        memory = self._memory_for(key, now)
        pods = self._owned_pods(job)
        plan = sync(job, pods, now, memory, self.settings)
        api = _ClientJobApi(self.client, job, {meta(p)["name"]: p for p in pods}, self._events)
        applied = apply_plan(plan, api, now, memory)
        self._memory[key] = applied.memory
        if plan.creations or plan.deletions:
            self._expected_since[key] = now
        elif applied.memory.expectations.satisfied:
            self._expected_since.pop(key, None)
        if applied.error is not None:
            raise applied.error
        return applied.requeue_after
