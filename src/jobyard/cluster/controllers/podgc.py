"""Pod garbage collection: pods bound to a node that does not exist.

As upstream's PodGC ``gcOrphaned``: once a pod's node has been missing for
the quarantine period, the pod is marked Failed with a DisruptionTarget
condition (reason ``DeletionByPodGC``) unless it already finished, then
deleted with grace period 0. Without this, a pod bound to a vanished (or
mistyped) node would stay Terminating for ever and hold its namespace.
"""

from __future__ import annotations

import copy
from typing import Any

from jobyard.cluster.clock import format_time
from jobyard.cluster.errors import Conflict, NotFound
from jobyard.cluster.registry import DeleteOptions

from ._runtime import Controller, split_key

Obj = dict[str, Any]

# Upstream's quarantine before a node is taken to be gone.
QUARANTINE_SECONDS = 40.0


class PodGarbageCollector(Controller):
    name = "pod-garbage-collector"
    watched = ("pods", "nodes")

    def __init__(self, client: Any, quarantine_seconds: float = QUARANTINE_SECONDS) -> None:
        super().__init__(client)
        self.quarantine_seconds = quarantine_seconds
        self._missing_since: dict[str, float] = {}

    def keys_for(self, resource: str, obj: Obj) -> list[str]:
        meta = obj.get("metadata") or {}
        if resource == "pods":
            # Every pod write arrives here: only one bound to a missing node is worth a look.
            node_name = (obj.get("spec") or {}).get("nodeName")
            if not node_name or self.client.peek("nodes", "", node_name) is not None:
                return []
            return [f"{meta.get('namespace', '')}/{meta.get('name', '')}"]
        if self.client.peek("nodes", "", meta.get("name", "")) is not None:
            return []  # a node that is still there (a heartbeat, say) orphans none of its pods
        return [
            f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"
            for pod in self.client.peek_all("pods")
            if (pod.get("spec") or {}).get("nodeName") == meta.get("name")
        ]

    async def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        pod = self.client.peek("pods", namespace, name)
        node_name = (pod.get("spec") or {}).get("nodeName") if pod else None
        if pod is None or not node_name or self.client.peek("nodes", "", node_name) is not None:
            self._missing_since.pop(key, None)
            return None
        now = self.client.now()
        missing_for = now - self._missing_since.setdefault(key, now)
        if missing_for < self.quarantine_seconds:
            return self.quarantine_seconds - missing_for
        self._missing_since.pop(key, None)
        try:
            if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                self.client.update("pods", _failed_by_pod_gc(pod, now), subresource="status")
            self.client.delete(
                "pods", namespace, name, DeleteOptions(grace_period_seconds=0, precondition_uid=pod["metadata"]["uid"])
            )
        except (NotFound, Conflict):
            pass
        return None


def _failed_by_pod_gc(pod: Obj, now: float) -> Obj:
    failed = copy.deepcopy(pod)
    status = failed.setdefault("status", {})
    status["phase"] = "Failed"
    kept = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
    kept.append(
        {
            "type": "DisruptionTarget",
            "status": "True",
            "reason": "DeletionByPodGC",
            "message": "PodGC: node no longer exists",
            "lastTransitionTime": format_time(now),
        }
    )
    status["conditions"] = kept
    return failed
