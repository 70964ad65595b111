"""TTL after finished: a finished Job goes ``ttlSecondsAfterFinished`` after it finished.

As upstream's ttlafterfinished controller: the clock starts at the
lastTransitionTime of the Job's Complete or Failed condition; the Job is read
again right before deletion (so an edited TTL counts), and deleted with
Foreground propagation and a uid precondition, so a new Job of the same name
is never hit.
"""

from __future__ import annotations

from typing import Any

from jobyard.cluster.clock import parse_time
from jobyard.cluster.errors import Conflict, NotFound
from jobyard.cluster.registry import DeleteOptions

from ._runtime import Controller, split_key

JOBS = "jobs.batch"


def finished_at(job: dict[str, Any]) -> float | None:
    """When the Job became Complete or Failed, or None while it runs."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") in ("Complete", "Failed") and condition.get("status") == "True":
            stamp = condition.get("lastTransitionTime")
            return parse_time(stamp) if stamp else None
    return None


def seconds_left(job: dict[str, Any], now: float) -> float | None:
    """Seconds until the Job expires (<= 0: due now); None when it never expires (yet)."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    if ttl is None or job["metadata"].get("deletionTimestamp"):
        return None
    finished = finished_at(job)
    if finished is None:
        return None
    return finished + int(ttl) - now


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished"
    watched = (JOBS,)

    async def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        job = self.client.find(JOBS, namespace, name)
        if job is None:
            return None
        left = seconds_left(job, self.client.now())
        if left is None:
            return None
        if left > 0:
            return left
        try:
            self.client.delete(
                JOBS,
                namespace,
                name,
                DeleteOptions(propagation_policy="Foreground", precondition_uid=job["metadata"]["uid"]),
            )
        except (NotFound, Conflict):
            pass
        return None
