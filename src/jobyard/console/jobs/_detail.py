"""What the console shows of a Job: its summary row, its pods, conditions, events and Service.

Pure: each is derived from the objects as the cluster returned them, so the list, the detail and
the live pages show the same thing for the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ._kube import Manifest
from ._manifests import GENERATED_LABELS
from ._progress import Completions, completions, duration, finished_at, parse_time
from ._runs import Run
from ._status import JobStatus, job_status

__all__ = [
    "Condition",
    "Event",
    "JobDetail",
    "JobSummary",
    "PodSummary",
    "condition_of",
    "created_at",
    "events_about",
    "name_of",
    "namespace_of",
    "pod_summaries",
    "service_of",
    "summary_of",
    "uid_of",
]

INDEX_LABEL = "batch.kubernetes.io/job-completion-index"


@dataclass(frozen=True)
class JobSummary:
    """One row of the Job list; ``job`` is the object as read, for anything else the page shows."""

    name: str
    namespace: str
    status: JobStatus
    completions: Completions
    created: datetime | None
    started: datetime | None
    finished: datetime | None
    duration: timedelta | None
    job: Manifest


@dataclass(frozen=True)
class PodSummary:
    """A pod of the Job; ``exit_code`` once every container exited (the first non-zero one, else 0)."""

    name: str
    phase: str
    index: int | None
    restarts: int
    exit_code: int | None
    ready: bool
    node: str | None
    started: datetime | None
    finished: datetime | None
    reason: str | None
    message: str | None


@dataclass(frozen=True)
class Condition:
    type: str
    status: str
    reason: str | None
    message: str | None
    last_transition: datetime | None


@dataclass(frozen=True)
class Event:
    type: str
    reason: str
    message: str
    object_kind: str
    object_name: str
    count: int
    last_seen: datetime | None


@dataclass(frozen=True)
class JobDetail:
    summary: JobSummary
    pods: list[PodSummary]
    conditions: list[Condition]
    events: list[Event]  # newest first, about the Job and its current pods
    service: Manifest | None
    endpoints: Manifest | None  # the Service's Endpoints object: the pods behind it
    runs: list[Run]


def name_of(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def namespace_of(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def uid_of(obj: Manifest) -> str | None:
    return (obj.get("metadata") or {}).get("uid")


def created_at(obj: Manifest) -> datetime | None:
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


def summary_of(job: Manifest, pods: list[Manifest], now: datetime) -> JobSummary:
    return JobSummary(
        name=name_of(job),
        namespace=namespace_of(job),
        status=job_status(job, pods),
        completions=completions(job),
        created=created_at(job),
        started=parse_time((job.get("status") or {}).get("startTime")),
        finished=finished_at(job),
        duration=duration(job, now),
        job=job,
    )


def pod_summaries(pods: list[Manifest]) -> list[PodSummary]:
    """By completion index, then name; pods without an index last."""
    return sorted((_pod_summary(pod) for pod in pods), key=lambda pod: (pod.index is None, pod.index, pod.name))


def _pod_summary(pod: Manifest) -> PodSummary:
    metadata, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    index = (metadata.get("labels") or {}).get(INDEX_LABEL) or (metadata.get("annotations") or {}).get(INDEX_LABEL)
    containers = status.get("containerStatuses") or []
    everything = [*(status.get("initContainerStatuses") or []), *containers]
    ended = [(c.get("state") or {}).get("terminated") for c in containers]
    all_ended = bool(ended) and all(ended)
    exit_codes = [t.get("exitCode", 0) for t in ended if t]
    waiting = next(
        ((c.get("state") or {}).get("waiting") for c in everything if (c.get("state") or {}).get("waiting")), None
    )
    finish_times = [parse_time(t.get("finishedAt")) for t in ended if t]
    return PodSummary(
        name=str(metadata.get("name") or ""),
        phase=str(status.get("phase") or "Pending"),
        index=int(index) if index is not None and str(index).isdigit() else None,
        restarts=sum(c.get("restartCount") or 0 for c in everything),
        exit_code=next((code for code in exit_codes if code != 0), 0) if all_ended else None,
        ready=all(c.get("ready") for c in containers) if containers else False,
        node=spec.get("nodeName"),
        started=parse_time(status.get("startTime")),
        finished=max((t for t in finish_times if t is not None), default=None) if all_ended else None,
        reason=(waiting or {}).get("reason") or status.get("reason"),
        message=(waiting or {}).get("message") or status.get("message"),
    )


def condition_of(raw: Manifest) -> Condition:
    return Condition(
        type=str(raw.get("type") or ""),
        status=str(raw.get("status") or ""),
        reason=raw.get("reason") or None,
        message=raw.get("message") or None,
        last_transition=parse_time(raw.get("lastTransitionTime")),
    )


def _event_time(raw: Manifest) -> datetime | None:
    series = raw.get("series") or {}
    for text in (series.get("lastObservedTime"), raw.get("lastTimestamp"), raw.get("eventTime")):
        if text:
            return parse_time(text)
    return created_at(raw)


def events_about(events: list[Manifest], job: Manifest, pods: list[Manifest]) -> list[Event]:
    """Matched by uid, so events of an earlier run (a Job of the same name) stay out."""
    uids = {uid for uid in (uid_of(job), *(uid_of(pod) for pod in pods)) if uid}
    about = [raw for raw in events if (raw.get("involvedObject") or {}).get("uid") in uids]
    about.sort(key=_event_order, reverse=True)
    return [
        Event(
            type=str(raw.get("type") or "Normal"),
            reason=str(raw.get("reason") or ""),
            message=str(raw.get("message") or ""),
            object_kind=str(raw["involvedObject"].get("kind") or ""),
            object_name=str(raw["involvedObject"].get("name") or ""),
            count=int(raw.get("count") or (raw.get("series") or {}).get("count") or 1),
            last_seen=_event_time(raw),
        )
        for raw in about
    ]


def _event_order(raw: Manifest) -> tuple[datetime, int]:
    """Timestamps have whole seconds; within one, the later write (higher resourceVersion) is newer."""
    version = str((raw.get("metadata") or {}).get("resourceVersion") or "")
    return _event_time(raw) or datetime.min.replace(tzinfo=UTC), int(version) if version.isdigit() else 0


def service_of(services: list[Manifest], job: Manifest) -> Manifest | None:
    """The Service whose selector picks the Job's pods; one named like the Job first (the wizard names it so)."""
    template = (((job.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    pod_labels = {key: value for key, value in template.items() if key not in GENERATED_LABELS}
    matching = [
        service
        for service in services
        if (selector := (service.get("spec") or {}).get("selector"))
        and all(pod_labels.get(key) == value for key, value in selector.items())
    ]
    matching.sort(key=lambda service: name_of(service) != name_of(job))
    return matching[0] if matching else None
