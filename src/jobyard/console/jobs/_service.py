"""The console's Job actions over the Kubernetes API: create, list, detail, suspend, edit, delete, rerun, clone.

Every read derives the status afresh (``job_status``); the only state of its own is the run
history in a ``RunStore``, because a rerun replaces the Job object and with it the counters.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from jobyard.console.auth import Clock, utc_now
from jobyard.console.forms import FormWithRest, Language, from_manifests

from ._errors import AlreadyFinished, DeletionTimeout, NotFinished, NotOwned
from ._index import JobIndex, JobWithPods
from ._kube import EVENTS, JOBS, PODS, SERVICES, Cascade, KubeApi, KubeApiError, Manifest, NotFound, Resource
from ._manifests import GENERATED_LABELS, clean_for_recreate, clean_service_for_clone, editable_patch
from ._progress import Completions, completions, duration, finished_at, parse_time
from ._runs import Run, RunStore
from ._status import JobStatus, StatusCode, condition, is_finished, job_status

__all__ = ["Condition", "Event", "JobDetail", "JobService", "JobSummary", "PodSummary"]

INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
NAME_LENGTH = 63
_KINDS: dict[str, Resource] = {"Job": JOBS, "Service": SERVICES}
_RESULTS = (("Complete", StatusCode.COMPLETED), ("Failed", StatusCode.FAILED))


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
    runs: list[Run]


class JobService:
    """The Job actions of one cluster: ``kube`` reaches it, ``runs`` keeps its run history."""

    def __init__(
        self,
        kube: KubeApi,
        runs: RunStore,
        clock: Clock = utc_now,
        *,
        deletion_timeout: float = 60.0,
        poll_interval: float = 0.2,
        index: JobIndex | None = None,
    ) -> None:
        self._kube = kube
        self._index = index
        self._runs = runs
        self._clock = clock
        self._deletion_timeout = deletion_timeout
        self._poll_interval = poll_interval

    # Create

    async def create(self, manifests: list[Manifest], *, dry_run: bool = False) -> list[Manifest]:
        """Creates the Job and its Service (``to_manifests`` output), or with ``dry_run`` only has the server check them.

        With a Service, everything is dry-run first, so a Service the server refuses leaves no Job
        behind; a Job alone is created at once, as its dry run could refuse nothing its create would not.
        """
        targets = [(_resource_of(manifest), _namespace_of(manifest), manifest) for manifest in manifests]
        if dry_run or len(targets) > 1:
            checked = [await self._kube.create(resource, ns, body, dry_run=True) for resource, ns, body in targets]
            if dry_run:
                return checked
        created: list[tuple[Resource, str, Manifest]] = []
        try:
            for resource, namespace, body in targets:
                created.append((resource, namespace, await self._kube.create(resource, namespace, body)))
        except KubeApiError:
            for resource, namespace, obj in created:
                await self._kube.delete(resource, namespace, _name(obj), propagation=Cascade.BACKGROUND, uid=_uid(obj))
            raise
        for job in (obj for resource, _, obj in created if resource == JOBS):
            self._runs.begin(_namespace_of(job), _name(job), Run(1, started=self._clock()))
        return [obj for _, _, obj in created]

    # Read

    async def jobs(self, namespace: str | None) -> list[JobSummary]:
        """The Jobs of ``namespace`` (of every namespace when None), by namespace and name.

        Read from the ``index`` when one is kept, else from the cluster.
        """
        listed = await self._index.jobs_with_pods(namespace) if self._index is not None else None
        if listed is None:
            listed = await self._listed(namespace)
        now = self._clock()
        ordered = sorted(listed, key=lambda pair: (_namespace_of(pair[0]), _name(pair[0])))
        return [_summary(job, pods, now) for job, pods in ordered]

    async def _listed(self, namespace: str | None) -> list[JobWithPods]:
        jobs = await self._kube.list(JOBS, namespace)
        pods = _by_controller(await self._kube.list(PODS, namespace))
        return [(job, pods.get(_uid(job) or "", [])) for job in jobs]

    async def detail(self, namespace: str, name: str) -> JobDetail:
        job = await self._kube.get(JOBS, namespace, name)
        pods = _owned(await self._kube.list(PODS, namespace, _selector(job)), job)
        events = await self._kube.list(EVENTS, namespace)
        services = await self._kube.list(SERVICES, namespace)
        return JobDetail(
            summary=_summary(job, pods, self._clock()),
            pods=sorted((_pod_summary(pod) for pod in pods), key=lambda pod: (pod.index is None, pod.index, pod.name)),
            conditions=[_condition(raw) for raw in (job.get("status") or {}).get("conditions") or []],
            events=_events_about(events, job, pods),
            service=_service_of(services, job),
            runs=self._observe(job),
        )

    async def history(self, namespace: str, name: str) -> list[Run]:
        return self._observe(await self._kube.get(JOBS, namespace, name))

    async def logs(
        self, namespace: str, job_name: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        """A container's log, only for a pod of that Job, so a Job page cannot read other pods' logs."""
        pod_object = await self._kube.get(PODS, namespace, pod)
        if not any(
            ref.get("controller") and ref.get("kind") == "Job" and ref.get("name") == job_name
            for ref in (pod_object.get("metadata") or {}).get("ownerReferences") or []
        ):
            raise NotOwned(namespace, job_name, pod)
        return await self._kube.pod_logs(namespace, pod, container=container, tail_lines=tail_lines)

    # Change

    async def suspend(self, namespace: str, name: str) -> Manifest:
        return await self._set_suspend(namespace, name, True)

    async def resume(self, namespace: str, name: str) -> Manifest:
        return await self._set_suspend(namespace, name, False)

    async def edit(self, namespace: str, name: str, changes: dict[str, Any], lang: Language = "en") -> Manifest:
        """Applies ``editable_patch``; raises ``InvalidChanges`` before calling the cluster."""
        job = await self._kube.get(JOBS, namespace, name)
        return await self._kube.merge_patch(JOBS, namespace, name, editable_patch(job, changes, lang))

    async def delete(self, namespace: str, name: str, cascade: Cascade = Cascade.BACKGROUND) -> None:
        await self._kube.delete(JOBS, namespace, name, propagation=cascade)
        self._runs.forget(namespace, name)

    async def rerun(self, namespace: str, name: str) -> Manifest:
        """DCE's restart: the finished Job is deleted and created again under its name, one more run in its history.

        Foreground deletion, so the old pods are gone before new ones start under the same labels;
        the uid precondition keeps a Job someone else created meanwhile from being deleted.
        """
        job = await self._kube.get(JOBS, namespace, name)
        if not is_finished(job):
            raise NotFinished(namespace, name)
        history = self._observe(job)
        uid = (job.get("metadata") or {}).get("uid")
        await self._kube.delete(JOBS, namespace, name, propagation=Cascade.FOREGROUND, uid=uid)
        await self._wait_gone(namespace, name, uid)
        created = await self._kube.create(JOBS, namespace, clean_for_recreate(job))
        self._runs.save(namespace, name, Run(history[-1].number + 1, started=self._clock()))
        return created

    async def clone(self, namespace: str, name: str) -> FormWithRest:
        """The wizard filled from the Job (and its Service), under a free name such as ``<name>-copy``."""
        job = await self._kube.get(JOBS, namespace, name)
        services = await self._kube.list(SERVICES, namespace)
        taken = {_name(other) for other in await self._kube.list(JOBS, namespace)}
        service = _service_of(services, job)
        # Opened under the old name so the form reads the generated app label and Service name
        # as defaults, which then follow the new name.
        opened = from_manifests(
            clean_for_recreate(job), clean_service_for_clone(service) if service is not None else None
        )
        form = opened.form.model_copy(update={"name": _free_name(name, taken)})
        return FormWithRest(form=form, rest=opened.rest)

    # Helpers

    async def _set_suspend(self, namespace: str, name: str, suspend: bool) -> Manifest:
        job = await self._kube.get(JOBS, namespace, name)
        if is_finished(job):
            raise AlreadyFinished(namespace, name)
        return await self._kube.merge_patch(JOBS, namespace, name, {"spec": {"suspend": suspend}})

    async def _wait_gone(self, namespace: str, name: str, uid: str | None) -> None:
        try:
            async with asyncio.timeout(self._deletion_timeout):
                while True:
                    try:
                        current = await self._kube.get(JOBS, namespace, name)
                    except NotFound:
                        return
                    if (current.get("metadata") or {}).get("uid") != uid:
                        return
                    await asyncio.sleep(self._poll_interval)
        except TimeoutError:
            raise DeletionTimeout(namespace, name, self._deletion_timeout) from None

    def _observe(self, job: Manifest) -> list[Run]:
        """The history with the Job's current state written into it; a Job made outside the console gets its first run here."""
        namespace, name = _namespace_of(job), _name(job)
        runs = self._runs.runs(namespace, name)
        seen = _run_of(job, runs[-1].number + 1 if runs else 1)
        created = _created(job)
        if not runs:
            latest = seen
        elif runs[-1].finished is None:
            latest = replace(seen, number=runs[-1].number, started=runs[-1].started)
        elif created is not None and runs[-1].finished < created:
            latest = seen  # recreated outside the console after the last recorded run
        else:
            return runs
        self._runs.save(namespace, name, latest)
        return [run for run in runs if run.number != latest.number] + [latest]


def _resource_of(manifest: Manifest) -> Resource:
    kind = manifest.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"a Job is created with a Job and an optional Service, not a {kind}")
    return _KINDS[kind]


def _name(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _namespace_of(obj: Manifest) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "default")


def _uid(obj: Manifest) -> str | None:
    return (obj.get("metadata") or {}).get("uid")


def _created(obj: Manifest) -> datetime | None:
    return parse_time((obj.get("metadata") or {}).get("creationTimestamp"))


def _selector(job: Manifest) -> str | None:
    """The Job's matchLabels as a label selector, to list fewer pods; ownership is checked after."""
    labels = (((job.get("spec") or {}).get("selector") or {}).get("matchLabels")) or {}
    return ",".join(f"{key}={value}" for key, value in labels.items()) or None


def _by_controller(pods: list[Manifest]) -> dict[str, list[Manifest]]:
    """Pods by their controller's uid, so a list of n Jobs reads the pods once, not n times."""
    owned: dict[str, list[Manifest]] = {}
    for pod in pods:
        for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
            if ref.get("controller") and ref.get("uid"):
                owned.setdefault(str(ref["uid"]), []).append(pod)
                break
    return owned


def _owned(pods: list[Manifest], job: Manifest) -> list[Manifest]:
    uid = _uid(job)
    return [
        pod
        for pod in pods
        if any(
            ref.get("controller") and ref.get("uid") == uid
            for ref in (pod.get("metadata") or {}).get("ownerReferences") or []
        )
    ]


def _summary(job: Manifest, pods: list[Manifest], now: datetime) -> JobSummary:
    return JobSummary(
        name=_name(job),
        namespace=_namespace_of(job),
        status=job_status(job, pods),
        completions=completions(job),
        created=_created(job),
        started=parse_time((job.get("status") or {}).get("startTime")),
        finished=finished_at(job),
        duration=duration(job, now),
        job=job,
    )


def _run_of(job: Manifest, number: int) -> Run:
    status = job.get("status") or {}
    result = next((str(code) for kind, code in _RESULTS if condition(job, kind) is not None), None)
    started = parse_time(status.get("startTime")) or _created(job)
    assert started is not None, "a Job read from the API server has a creationTimestamp"
    return Run(
        number=number,
        started=started,
        finished=finished_at(job) if result is not None else None,
        result=result,
        succeeded=status.get("succeeded") or 0,
        failed=status.get("failed") or 0,
    )


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


def _condition(raw: Manifest) -> Condition:
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
    return _created(raw)


def _events_about(events: list[Manifest], job: Manifest, pods: list[Manifest]) -> list[Event]:
    """Matched by uid, so events of an earlier run (a Job of the same name) stay out."""
    uids = {uid for uid in (_uid(job), *(_uid(pod) for pod in pods)) if uid}
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


def _service_of(services: list[Manifest], job: Manifest) -> Manifest | None:
    """The Service whose selector picks the Job's pods; one named like the Job first (the wizard names it so)."""
    template = (((job.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    pod_labels = {key: value for key, value in template.items() if key not in GENERATED_LABELS}
    matching = [
        service
        for service in services
        if (selector := (service.get("spec") or {}).get("selector"))
        and all(pod_labels.get(key) == value for key, value in selector.items())
    ]
    matching.sort(key=lambda service: _name(service) != _name(job))
    return matching[0] if matching else None


def _free_name(name: str, taken: set[str]) -> str:
    for number in range(1, len(taken) + 2):
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        candidate = name[: NAME_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("one of len(taken) + 1 candidates is free")
