"""Pod subresources that are verbs of their own: eviction and binding."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from jobyard.cluster import kinds, patching, schema
from jobyard.cluster.errors import BadRequest, Cause, Conflict, Invalid
from jobyard.cluster.kinds import dns1123_subdomain

from ._deleting import check_preconditions
from ._options import WriteOptions, parse_delete_options

if TYPE_CHECKING:
    from ._registry import Registry

Obj = dict[str, Any]


def _checked_body(body: Any, kind: str, definition: str, version: str) -> Obj:
    if not isinstance(body, dict) or body.get("kind") not in (None, kind):
        raise BadRequest(f"the body of the request was not a {kind}")
    errors = schema.type_errors(body, definition)
    if errors:
        raise BadRequest(f'{kind} in version "{version}" cannot be handled as a {kind}: {errors[0]}')
    return body


def _with_condition(pod: Obj, condition: Obj) -> Obj:
    """A copy of ``pod`` whose condition of that type is replaced by ``condition``."""
    updated = copy.deepcopy(pod)
    status = updated.setdefault("status", {})
    kept = [c for c in status.get("conditions") or [] if c.get("type") != condition["type"]]
    status["conditions"] = [*kept, condition]
    return updated


def evict(registry: Registry, namespace: str, name: str, body: Any) -> None:
    """policy/v1 Eviction: mark the pod DisruptionTarget, then delete it, as upstream."""
    eviction = _checked_body(body, "Eviction", "io.k8s.api.policy.v1.Eviction", "policy/v1")
    evicted_name = (eviction.get("metadata") or {}).get("name")
    if evicted_name and evicted_name != name:
        raise BadRequest("name in URL does not match name in Eviction object")
    pod = registry.require(kinds.POD, namespace, name)
    options = parse_delete_options(eviction.get("deleteOptions"))
    check_preconditions(kinds.POD, pod, options)
    if options.dry_run:
        return
    if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
        condition = {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "EvictionByEvictionAPI",
            "message": "Eviction API: evicting",
            "lastTransitionTime": registry.now(),
        }
        registry.write_update(
            kinds.POD, pod, _with_condition(pod, condition), WriteOptions(field_manager="eviction"), "status"
        )
    registry.delete(kinds.POD, namespace, name, options)


def bind(registry: Registry, namespace: str, name: str, body: Any, dry_run: bool = False) -> None:
    """pods/binding: assign a pending pod to a node, once, as the scheduler does upstream."""
    binding = _checked_body(body, "Binding", "io.k8s.api.core.v1.Binding", "v1")
    node_name = (binding.get("target") or {}).get("name") or ""
    causes = [Cause("target.name", "FieldValueRequired", "Required value")] if not node_name else []
    if node_name:
        problems = dns1123_subdomain(str(node_name))
        causes += [Cause("target.name", "FieldValueInvalid", f'Invalid value: "{node_name}": {p}') for p in problems]
    if causes:
        raise Invalid.of("Binding", name, causes)
    pod = registry.require(kinds.POD, namespace, name)
    if pod["metadata"].get("deletionTimestamp"):
        raise Conflict(f"pod {name} is being deleted, cannot be assigned to a host", name=name, kind="pods")
    assigned = (pod.get("spec") or {}).get("nodeName")
    if assigned:
        raise Conflict(f'pod {name} is already assigned to node "{assigned}"', name=name, kind="pods")
    condition = {"type": "PodScheduled", "status": "True", "lastTransitionTime": registry.now()}
    updated = _with_condition(pod, condition)
    updated["spec"]["nodeName"] = node_name
    if dry_run:
        return
    # Binding writes spec.nodeName, which no pod update may change: it is stored directly.
    updated = patching.record_update(pod, updated, "kube-scheduler", registry.now(), kinds.POD.definition)
    registry.store.put(kinds.POD.qualified_plural, updated, "MODIFIED")
