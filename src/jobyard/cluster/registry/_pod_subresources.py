"""Pod subresources that are verbs of their own: eviction and binding."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from jobyard.cluster import kinds, patching
from jobyard.cluster.errors import BadRequest, Cause, Conflict, Invalid

from ._options import DeleteOptions, WriteOptions

if TYPE_CHECKING:
    from ._registry import Registry


def evict(registry: Registry, namespace: str, name: str, eviction: Any) -> None:
    """policy/v1 Eviction: mark the pod DisruptionTarget, then delete it, as upstream."""
    pods = kinds.POD
    if not isinstance(eviction, dict) or eviction.get("kind") not in (None, "Eviction"):
        raise BadRequest("the body of the request was not an Eviction")
    evicted_name = (eviction.get("metadata") or {}).get("name")
    if evicted_name and evicted_name != name:
        raise BadRequest("name in URL does not match name in Eviction object")
    pod = registry._require(pods, namespace, name)
    raw_options = eviction.get("deleteOptions") or {}
    preconditions = raw_options.get("preconditions") or {}
    options = DeleteOptions(
        dry_run=bool(raw_options.get("dryRun")),
        grace_period_seconds=raw_options.get("gracePeriodSeconds"),
        propagation_policy=raw_options.get("propagationPolicy"),
        precondition_uid=preconditions.get("uid"),
        precondition_resource_version=preconditions.get("resourceVersion"),
    )
    registry._check_preconditions(pods, pod, options)
    if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not options.dry_run:
        updated = copy.deepcopy(pod)
        conditions = [
            c for c in (updated.setdefault("status", {}).get("conditions") or []) if c.get("type") != "DisruptionTarget"
        ]
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": "EvictionByEvictionAPI",
                "message": "Eviction API: evicting",
                "lastTransitionTime": registry.now(),
            }
        )
        updated["status"]["conditions"] = conditions
        registry._write_update(pods, pod, updated, WriteOptions(field_manager="eviction"), "status")
    registry.delete(pods, namespace, name, options)


def bind(registry: Registry, namespace: str, name: str, binding: Any) -> None:
    """pods/binding: assign a pending pod to a node, once, as the scheduler does upstream."""
    pods = kinds.POD
    if not isinstance(binding, dict) or binding.get("kind") not in (None, "Binding"):
        raise BadRequest("the body of the request was not a Binding")
    node_name = (binding.get("target") or {}).get("name")
    if not node_name:
        raise Invalid.of("Binding", name, [Cause("target.name", "FieldValueRequired", "Required value")])
    pod = registry._require(pods, namespace, name)
    if pod["metadata"].get("deletionTimestamp"):
        raise Conflict(f"pod {name} is being deleted, cannot be assigned to a host", name=name, kind="pods")
    assigned = (pod.get("spec") or {}).get("nodeName")
    if assigned:
        raise Conflict(f'pod {name} is already assigned to node "{assigned}"', name=name, kind="pods")
    updated = copy.deepcopy(pod)
    updated["spec"]["nodeName"] = node_name
    conditions = [
        c for c in (updated.setdefault("status", {}).get("conditions") or []) if c.get("type") != "PodScheduled"
    ]
    conditions.append({"type": "PodScheduled", "status": "True", "lastTransitionTime": registry.now()})
    updated["status"]["conditions"] = conditions
    # Binding writes spec.nodeName, which no pod update may change: it is stored directly.
    updated = patching.record_update(pod, updated, "kube-scheduler", registry.now(), pods.definition)
    registry.store.put(pods.qualified_plural, updated, "MODIFIED")
