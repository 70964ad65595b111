"""The Job controller: a pure core (``sync``) deciding each sync, and a shell applying its Plan.

``sync(job, pods, now, memory) -> Plan`` implements upstream's batch/v1 Job
controller rules; ``apply_plan`` carries a Plan out through any ``JobApi``;
``JobController`` runs both over the in-process client.
"""

from ._apply import Applied, JobApi, apply_plan
from ._plan import BackoffRecord, Deletion, Event, Expectations, Memory, Plan, PodCreation, Settings, Tracking
from .core import is_finished, sync, track_status
from .shell import JobController

__all__ = [
    "Applied",
    "BackoffRecord",
    "Deletion",
    "Event",
    "Expectations",
    "JobApi",
    "JobController",
    "Memory",
    "Plan",
    "PodCreation",
    "Settings",
    "Tracking",
    "apply_plan",
    "is_finished",
    "sync",
    "track_status",
]
