"""The scheduler: binds pending pods to a node their requests, selectors and tolerations allow.

As kube-scheduler's default profile, reduced to what a cluster of few nodes
needs: NodeUnschedulable, NodeName, NodeAffinity (nodeSelector and required
node affinity), TaintToleration and NodeResourcesFit. A pod that fits nowhere
stays Pending with ``PodScheduled=False``, reason ``Unschedulable``, a message
in upstream's words, and a ``FailedScheduling`` event; it is tried again when
a node or a pod changes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.client import LocalClient
from jobyard.cluster.errors import Conflict, NotFound, StatusError
from jobyard.cluster.events import EventRecorder
from jobyard.cluster.kinds import quantity_units
from jobyard.cluster.registry import MERGE_PATCH

from ._runtime import Controller, split_key

__all__ = ["Requests", "SchedulerController", "fit_failures", "pod_requests", "unschedulable_message"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

DEFAULT_SCHEDULER = "default-scheduler"
_TERMINAL = ("Succeeded", "Failed")
_UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


@dataclass(frozen=True)
class Requests:
    cpu_millis: int = 0
    memory_bytes: int = 0
    ephemeral_bytes: int = 0

    def __add__(self, other: Requests) -> Requests:
        return Requests(
            self.cpu_millis + other.cpu_millis,
            self.memory_bytes + other.memory_bytes,
            self.ephemeral_bytes + other.ephemeral_bytes,
        )


def _quantity(value: Any, scale: int = 1) -> int:
    return quantity_units(value, scale) or 0


def _container_requests(container: Obj) -> Requests:
    requests: Obj = (container.get("resources") or {}).get("requests") or {}
    return Requests(
        _quantity(requests.get("cpu", 0), 1000),
        _quantity(requests.get("memory", 0)),
        _quantity(requests.get("ephemeral-storage", 0)),
    )


def pod_requests(pod: Obj) -> Requests:
    """What a pod reserves: its app containers together, or its largest init container if larger, plus overhead."""
    spec: Obj = pod.get("spec") or {}
    total = Requests()
    for container in spec.get("containers") or []:
        total = total + _container_requests(container)
    for container in spec.get("initContainers") or []:
        init = _container_requests(container)
        total = Requests(
            max(total.cpu_millis, init.cpu_millis),
            max(total.memory_bytes, init.memory_bytes),
            max(total.ephemeral_bytes, init.ephemeral_bytes),
        )
    overhead: Obj = spec.get("overhead") or {}
    return total + Requests(
        _quantity(overhead.get("cpu", 0), 1000),
        _quantity(overhead.get("memory", 0)),
        _quantity(overhead.get("ephemeral-storage", 0)),
    )


def _allocatable(node: Obj) -> tuple[Requests, int]:
    allocatable: Obj = (node.get("status") or {}).get("allocatable") or {}
    return (
        Requests(
            _quantity(allocatable.get("cpu", 0), 1000),
            _quantity(allocatable.get("memory", 0)),
            _quantity(allocatable.get("ephemeral-storage", 0)),
        ),
        _quantity(allocatable.get("pods", 0)),
    )


def _expression_matches(expression: Obj, labels: dict[str, str]) -> bool:
    key, operator = expression.get("key", ""), expression.get("operator", "")
    values = [str(v) for v in expression.get("values") or []]
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt") and present and values:
        try:
            have, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > bound if operator == "Gt" else have < bound
    return False


def _field_matches(expression: Obj, node: Obj) -> bool:
    # Upstream supports one node field in matchFields: metadata.name.
    return _expression_matches({**expression, "key": "metadata.name"}, {"metadata.name": node["metadata"]["name"]})


def _affinity_allows(pod_spec: Obj, node: Obj) -> bool:
    labels: dict[str, str] = node["metadata"].get("labels") or {}
    for key, value in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not required:
        return True
    # Terms are ORed; the expressions and fields of one term are ANDed.
    for term in required.get("nodeSelectorTerms") or []:
        expressions = term.get("matchExpressions") or []
        fields = term.get("matchFields") or []
        if not expressions and not fields:
            continue
        if all(_expression_matches(e, labels) for e in expressions) and all(_field_matches(f, node) for f in fields):
            return True
    return False


def _tolerates(toleration: Obj, taint: Obj) -> bool:
    effect = toleration.get("effect", "")
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key", "")
    if key and key != taint.get("key"):
        return False
    if toleration.get("operator", "Equal") == "Exists":
        return True
    return toleration.get("value", "") == taint.get("value", "")


def _untolerated_taint(pod_spec: Obj, node: Obj) -> Obj | None:
    tolerations = pod_spec.get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(_tolerates(t, taint) for t in tolerations):
            return dict(taint)
    return None


def fit_failures(pod: Obj, node: Obj, bound: Iterable[Requests]) -> list[str]:
    """Why ``pod`` cannot run on ``node`` next to pods requesting ``bound``, in upstream's words; empty when it fits."""
    spec: Obj = pod.get("spec") or {}
    node_spec: Obj = node.get("spec") or {}
    if node_spec.get("unschedulable"):
        tolerated = any(
            _tolerates(t, {"key": _UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}) for t in spec.get("tolerations") or []
        )
        if not tolerated:
            return ["node(s) were unschedulable"]
    if not _affinity_allows(spec, node):
        return ["node(s) didn't match Pod's node affinity/selector"]
    taint = _untolerated_taint(spec, node)
    if taint is not None:
        shown = f"{taint.get('key')}: {taint['value']}" if taint.get("value") else str(taint.get("key"))
        return [f"node(s) had untolerated taint {{{shown}}}"]
    capacity, max_pods = _allocatable(node)
    used = Requests()
    count = 0
    for other in bound:
        used = used + other
        count += 1
    wanted = pod_requests(pod)
    failures = []
    if count + 1 > max_pods:
        failures.append("Too many pods")
    if wanted.cpu_millis and used.cpu_millis + wanted.cpu_millis > capacity.cpu_millis:
        failures.append("Insufficient cpu")
    if wanted.memory_bytes and used.memory_bytes + wanted.memory_bytes > capacity.memory_bytes:
        failures.append("Insufficient memory")
    if wanted.ephemeral_bytes and used.ephemeral_bytes + wanted.ephemeral_bytes > capacity.ephemeral_bytes:
        failures.append("Insufficient ephemeral-storage")
    return failures


def unschedulable_message(node_count: int, failures_by_node: Sequence[list[str]]) -> str:
    """``0/1 nodes are available: 1 Insufficient memory. preemption: …`` as kube-scheduler words it."""
    counts = Counter(reason for failures in failures_by_node for reason in failures)
    if not node_count:
        return "no nodes available to schedule pods"
    detail = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
    resource_only = all(r.startswith("Insufficient") or r == "Too many pods" for r in counts)
    preemption = (
        f"0/{node_count} nodes are available: {node_count} No preemption victims found for incoming pod."
        if resource_only
        else f"0/{node_count} nodes are available: {node_count} Preemption is not helpful for scheduling."
    )
    return f"0/{node_count} nodes are available: {detail}. preemption: {preemption}"


def _wants_scheduling(pod: Obj) -> bool:
    spec: Obj = pod.get("spec") or {}
    return (
        not spec.get("nodeName")
        and spec.get("schedulerName", DEFAULT_SCHEDULER) == DEFAULT_SCHEDULER
        and not pod["metadata"].get("deletionTimestamp")
        and (pod.get("status") or {}).get("phase") not in _TERMINAL
    )


def _holds_resources(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") not in _TERMINAL


class SchedulerController(Controller):
    name = "scheduler"
    watched = ("nodes", "pods")

    def __init__(self, client: LocalClient) -> None:
        super().__init__(client)
        self.events = EventRecorder(client, DEFAULT_SCHEDULER)
        self._waiting: set[str] = set()
        # What bound, unfinished pods hold, by uid: the scheduler cache. Kept from pod events
        # (and from its own bindings, before their events arrive), so placing a pod never
        # scans every pod the cluster ever ran.
        self._holding: dict[str, tuple[str, Requests]] = {}

    def on_event(self, resource: str, event_type: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        if resource == "pods":
            node_name = (obj.get("spec") or {}).get("nodeName")
            if event_type != "DELETED" and node_name and _holds_resources(obj):
                self._holding[meta.get("uid", "")] = (node_name, pod_requests(obj))
            else:
                self._holding.pop(meta.get("uid", ""), None)
        if resource == "pods" and event_type != "DELETED" and _wants_scheduling(obj):
            self.queue.add(f"{meta.get('namespace', '')}/{meta.get('name', '')}")
            return
        if resource == "pods" and event_type == "ADDED":
            return
        # A node changed, or a pod ended or left: what waited may fit now.
        for key in self._waiting:
            self.queue.add(key)

    async def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        pod = self.client.peek("pods", namespace, name)
        if pod is None or not _wants_scheduling(pod):
            self._waiting.discard(key)
            return None
        nodes = list(self.client.peek_all("nodes"))
        bound: dict[str, list[Requests]] = {}
        for node_name, requests in self._holding.values():
            bound.setdefault(node_name, []).append(requests)
        failures = []
        for node in sorted(nodes, key=lambda n: len(bound.get(n["metadata"]["name"], ()))):
            node_name = node["metadata"]["name"]
            reasons = fit_failures(pod, node, bound.get(node_name, ()))
            if not reasons:
                if self._bind(pod, node_name):
                    self._holding[pod["metadata"].get("uid", "")] = (node_name, pod_requests(pod))
                self._waiting.discard(key)
                return None
            failures.append(reasons)
        self._waiting.add(key)
        self._mark_unschedulable(pod, unschedulable_message(len(nodes), failures))
        return None

    def _bind(self, pod: Obj, node_name: str) -> bool:
        meta = pod["metadata"]
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "uid": meta.get("uid")},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        try:
            self.client.bind(meta["namespace"], meta["name"], binding)
        except (NotFound, Conflict):
            return False
        self.events.record(
            {"kind": "Pod", **pod},
            "Normal",
            "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}",
        )
        return True

    def _mark_unschedulable(self, pod: Obj, message: str) -> None:
        meta = pod["metadata"]
        conditions = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "PodScheduled"]
        if conditions and conditions[0].get("reason") == "Unschedulable" and conditions[0].get("message") == message:
            return
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": message,
            "lastProbeTime": None,
            "lastTransitionTime": self.client.registry.now(),
        }
        others = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") != "PodScheduled"]
        try:
            self.client.patch(
                "pods",
                meta["namespace"],
                meta["name"],
                MERGE_PATCH,
                {"status": {"phase": "Pending", "conditions": [condition, *others]}},
                subresource="status",
            )
        except StatusError:
            log.info("scheduler: could not mark %s/%s unschedulable", meta["namespace"], meta["name"])
            return
        self.events.record({"kind": "Pod", **pod}, "Warning", "FailedScheduling", message)
