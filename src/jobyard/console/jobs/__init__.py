"""Jobs in the console: their status as DCE shows it, the actions on them, and their run history.

``job_status`` derives a Job's status (Waiting, Executing, Completed, Failed, Suspended, Deleting,
Exception) from the Job and its pods; ``completions``, ``duration`` and ``age`` give the list's
other columns. ``clean_for_recreate`` and ``editable_patch`` are the manifest rules rerun, clone
and edit share. ``JobService`` carries out the actions through a ``KubeApi`` (a handful of raw-JSON
calls any Kubernetes client can provide), reads the Job list from a ``JobIndex`` where a cache is
kept, and keeps each Job's runs in a ``RunStore``, because DCE's rerun deletes the Job and creates
it again under the same name.
"""

from ._detail import Condition, Event, JobDetail, JobSummary, PodSummary
from ._errors import AlreadyFinished, DeletionTimeout, JobActionError, NotFinished, NotOwned, RerunInterrupted
from ._index import JobIndex, JobWithPods
from ._kube import (
    ENDPOINTS,
    EVENTS,
    JOBS,
    PODS,
    SERVICES,
    Cascade,
    ClusterUnreachable,
    Conflict,
    Invalid,
    KubeApi,
    KubeApiError,
    Manifest,
    NotFound,
    Resource,
    api_error,
)
from ._manifests import (
    EDITABLE_FIELDS,
    GENERATED_LABELS,
    InvalidChanges,
    clean_for_recreate,
    clean_service_for_clone,
    editable_patch,
)
from ._progress import Completions, age, completions, duration, finished_at, human_duration, parse_time
from ._runs import Run, RunConflict, RunStore, SqlRunStore, observed
from ._service import JobService
from ._status import (
    CLUSTER_UNREACHABLE,
    STUCK_CONTAINER_REASONS,
    UNSCHEDULABLE,
    JobStatus,
    StatusCode,
    condition,
    is_finished,
    job_status,
)
from ._texts import REASON_TEXTS, STATUS_LABELS, Texts, status_label, status_tooltip

__all__ = [
    "CLUSTER_UNREACHABLE",
    "EDITABLE_FIELDS",
    "ENDPOINTS",
    "EVENTS",
    "GENERATED_LABELS",
    "JOBS",
    "PODS",
    "REASON_TEXTS",
    "SERVICES",
    "STATUS_LABELS",
    "STUCK_CONTAINER_REASONS",
    "UNSCHEDULABLE",
    "AlreadyFinished",
    "Cascade",
    "ClusterUnreachable",
    "Completions",
    "Condition",
    "Conflict",
    "DeletionTimeout",
    "Event",
    "Invalid",
    "InvalidChanges",
    "JobActionError",
    "JobDetail",
    "JobIndex",
    "JobService",
    "JobStatus",
    "JobSummary",
    "JobWithPods",
    "KubeApi",
    "KubeApiError",
    "Manifest",
    "NotFinished",
    "NotFound",
    "NotOwned",
    "PodSummary",
    "Resource",
    "Run",
    "RerunInterrupted",
    "RunConflict",
    "RunStore",
    "SqlRunStore",
    "StatusCode",
    "Texts",
    "age",
    "api_error",
    "clean_for_recreate",
    "clean_service_for_clone",
    "completions",
    "condition",
    "duration",
    "editable_patch",
    "finished_at",
    "human_duration",
    "is_finished",
    "job_status",
    "observed",
    "parse_time",
    "status_label",
    "status_tooltip",
]
