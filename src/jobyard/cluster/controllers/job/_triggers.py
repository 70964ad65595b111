"""Which watch events enqueue which Job, and how soon: upstream's 1 s batching of pod events."""

from __future__ import annotations

from typing import Any

__all__ = ["POD_BATCH_SECONDS", "controller_job_key", "job_event_delay", "pod_event_delay"]

Obj = dict[str, Any]

# Pod events and status-only Job updates wait this long, so a burst becomes one sync.
POD_BATCH_SECONDS = 1.0


def controller_job_key(pod: Obj) -> str | None:
    """``namespace/name`` of the batch/v1 Job that controls ``pod``, if any."""
    meta = pod.get("metadata") or {}
    for ref in meta.get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == "Job" and str(ref.get("apiVersion", "")).startswith("batch/"):
            return f"{meta.get('namespace', '')}/{ref.get('name', '')}"
    return None


def pod_event_delay(
    event_type: str, old: Obj | None, new: Obj, batch_seconds: float = POD_BATCH_SECONDS
) -> float | None:
    """Delay before the owning Job syncs; None when the event changes nothing (same resourceVersion)."""
    if event_type == "MODIFIED" and old is not None:
        if (old.get("metadata") or {}).get("resourceVersion") == (new.get("metadata") or {}).get("resourceVersion"):
            return None
    return batch_seconds


def job_event_delay(event_type: str, old: Obj | None, new: Obj, batch_seconds: float = POD_BATCH_SECONDS) -> float:
    """Adds, deletes and spec changes (a new generation) sync now; status-only updates are batched."""
    if event_type != "MODIFIED" or old is None:
        return 0.0
    if (old.get("metadata") or {}).get("generation") != (new.get("metadata") or {}).get("generation"):
        return 0.0
    return batch_seconds
