"""The console's Job actions over the Kubernetes API: create, list, detail, suspend, edit, delete, rerun, clone.

Every read derives the status afresh (``job_status``); the only state of its own is the run
history in a ``RunStore``, because a rerun replaces the Job object and with it the counters.
Runs are tied to their Job objects by uid (``observed``), so the order of reads and reruns
cannot put one Job's result into another's run.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from jobyard.console.auth import Clock, utc_now
from jobyard.console.forms import FormWithRest, Language, from_manifests

from ._detail import (
    JobDetail,
    JobSummary,
    PodSummary,
    condition_of,
    created_at,
    events_about,
    name_of,
    namespace_of,
    pod_summaries,
    service_of,
    summary_of,
    uid_of,
)
from ._errors import AlreadyFinished, DeletionTimeout, NotFinished, NotOwned, RerunInterrupted
from ._index import JobIndex, JobWithPods
from ._kube import (
    ENDPOINTS,
    EVENTS,
    JOBS,
    PODS,
    SERVICES,
    Cascade,
    Conflict,
    KubeApi,
    KubeApiError,
    Manifest,
    NotFound,
    Resource,
)
from ._manifests import clean_for_recreate, clean_service_for_clone, editable_patch
from ._progress import finished_at, parse_time
from ._runs import Run, RunConflict, RunStore, observed
from ._status import StatusCode, condition, is_finished

__all__ = ["JobService"]

# The Job controller labels each pod with its Job's name (the legacy ``job-name`` before 1.27);
# the label outlives the owner reference a delete with cascade Orphan removes.
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
NAME_LENGTH = 63
_KINDS: dict[str, Resource] = {"Job": JOBS, "Service": SERVICES}
_RESULTS = (("Complete", StatusCode.COMPLETED), ("Failed", StatusCode.FAILED))


class JobService:
    """The Job actions of one cluster: ``kube`` reaches it, ``runs`` keeps its run history.

    Run history. ``create`` starts a history with run 1; every read of a Job (``detail``,
    ``history``, ``rerun``) records what it saw into the run of that Job's uid, so a read of an old
    Job that races a rerun updates the old run and never the new one, and no read adds a run for a
    Job that already has one. A Job of a known name but an unknown uid (deleted and created
    elsewhere) becomes the next run.

    Rerun, and when it is cut short. ``rerun`` first records the new run with the manifest it is
    about to create, then deletes the old Job (foreground, uid precondition), waits for it to go,
    creates the new one and gives the run its uid. If it stops between the delete and the create
    (the cluster goes away, the old Job takes longer than ``deletion_timeout`` to go, the console
    stops), the Job is never lost silently: the pending run keeps the manifest, and

    - the next ``rerun`` continues from where it stopped (deleting the old Job if it is still there,
      creating the new one) under the same run number;
    - a ``detail`` or ``history`` read that finds no Job of that name says so (``RerunInterrupted``)
      rather than "not found"; reads never write to the cluster, so a viewer's look creates nothing;
    - ``delete`` of a Job whose rerun is pending drops the rerun (and its history), so nothing
      comes back after a delete.

    A delete the cluster refused outright (4xx) removed nothing, so its pending run is dropped at
    once; after an ambiguous failure (no answer, 5xx) it stays.

    Logs. ``logs`` reads a container's log of a pod the Job controls, or of a pod it left behind
    when deleted with cascade Orphan (no controller, the Job's name in its ``job-name`` label), as
    ``kubectl logs -l batch.kubernetes.io/job-name=NAME`` would; ``merged_logs`` merges those pods.
    """

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
        The new Job's first run joins the run store's transaction: the caller commits it, with its
        own record of the create, before it next awaits anything.
        """
        targets = [(_resource_of(manifest), namespace_of(manifest), manifest) for manifest in manifests]
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
                await self._kube.delete(
                    resource, namespace, name_of(obj), propagation=Cascade.BACKGROUND, uid=uid_of(obj)
                )
            raise
        for job in (obj for resource, _, obj in created if resource == JOBS):
            self._runs.begin(namespace_of(job), name_of(job), Run(1, started=self._clock(), uid=uid_of(job)))
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
        ordered = sorted(listed, key=lambda pair: (namespace_of(pair[0]), name_of(pair[0])))
        return [summary_of(job, pods, now) for job, pods in ordered]

    async def _listed(self, namespace: str | None) -> list[JobWithPods]:
        jobs = await self._kube.list(JOBS, namespace)
        pods = _by_controller(await self._kube.list(PODS, namespace))
        return [(job, pods.get(uid_of(job) or "", [])) for job in jobs]

    async def detail(self, namespace: str, name: str) -> JobDetail:
        job = await self._current(namespace, name)
        runs = self._observe(job)
        pods = _owned(await self._kube.list(PODS, namespace, _selector(job)), job)
        events = await self._kube.list(EVENTS, namespace)
        service = service_of(await self._kube.list(SERVICES, namespace), job)
        return JobDetail(
            summary=summary_of(job, pods, self._clock()),
            pods=pod_summaries(pods),
            conditions=[condition_of(raw) for raw in (job.get("status") or {}).get("conditions") or []],
            events=events_about(events, job, pods),
            service=service,
            endpoints=await self._endpoints(namespace, service) if service is not None else None,
            runs=runs,
        )

    async def history(self, namespace: str, name: str) -> list[Run]:
        return self._observe(await self._current(namespace, name))

    async def logs(
        self, namespace: str, job_name: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        """A container's log, only for a pod of that Job (``log_pod``), so a Job page cannot read other pods' logs."""
        await self.log_pod(namespace, job_name, pod)
        return await self._kube.pod_logs(namespace, pod, container=container, tail_lines=tail_lines)

    async def log_pod(self, namespace: str, job_name: str, pod: str) -> Manifest:
        """The pod, when its logs are the Job's: the Job controls it, or it has no controller and the Job's name label.

        The second kind are the pods a delete with cascade Orphan left behind, whose logs the delete
        dialog promises stay readable; ``NotOwned`` for any other pod.
        """
        pod_object = await self._kube.get(PODS, namespace, pod)
        if not _logs_of(pod_object, job_name):
            raise NotOwned(namespace, job_name, pod)
        return pod_object

    async def log_pods(self, namespace: str, name: str) -> list[PodSummary]:
        """The pods whose logs are the Job's, by index and name: its own, or once it is gone, those it orphaned.

        ``NotFound`` when there is neither the Job nor a pod it left behind.
        """
        try:
            job = await self._kube.get(JOBS, namespace, name)
        except NotFound:
            pods = await self._released_pods(namespace, name)
            if not pods:
                raise
        else:
            pods = _owned(await self._kube.list(PODS, namespace, _selector(job)), job)
        return pod_summaries(pods)

    async def merged_logs(
        self, namespace: str, name: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        """Every ``log_pods`` pod's log of one container (its last ``tail_lines``), each line prefixed with ``[pod]``."""
        lines: list[str] = []
        for pod in await self.log_pods(namespace, name):
            try:
                text = await self._kube.pod_logs(namespace, pod.name, container=container, tail_lines=tail_lines)
            except KubeApiError as error:
                # A pod whose container has not started yet has no log; the others still do.
                text = f"({error.message or error.reason})\n"
            lines.extend(f"[{pod.name}] {line}" for line in text.splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    async def _endpoints(self, namespace: str, service: Manifest) -> Manifest | None:
        """The Service's Endpoints object; None when the endpoints controller has not written it yet,
        or the console's credentials may not read it (the page then still shows the Service)."""
        try:
            return await self._kube.get(ENDPOINTS, namespace, name_of(service))
        except NotFound:
            return None
        except KubeApiError as error:
            if error.code != HTTPStatus.FORBIDDEN:
                raise
            return None

    async def _released_pods(self, namespace: str, name: str) -> list[Manifest]:
        for label in JOB_NAME_LABELS:
            listed = await self._kube.list(PODS, namespace, f"{label}={name}")
            released = [pod for pod in listed if _logs_of(pod, name)]
            if released:
                return released
        return []

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
        """Deletes the Job and forgets its runs; a Job whose rerun is pending (not created yet) is deleted by forgetting."""
        try:
            await self._kube.delete(JOBS, namespace, name, propagation=cascade)
        except NotFound:
            if self._pending(namespace, name) is None:
                raise
        self._runs.forget(namespace, name)

    async def rerun(self, namespace: str, name: str) -> Manifest:
        """DCE's restart: the finished Job is deleted and created again under its name, one more run in its history.

        Foreground deletion, so the old pods are gone before new ones start under the same labels;
        the uid precondition keeps a Job someone else created meanwhile from being deleted. The new
        run (with the manifest to create) is recorded before the delete, so a rerun cut short can be
        finished (see the class docstring).
        """
        try:
            job = await self._kube.get(JOBS, namespace, name)
        except NotFound:
            pending = self._pending(namespace, name)
            if pending is None:
                raise
            return await self._recreate(namespace, name, pending)  # the last rerun stopped after its delete
        history = self._observe(job)
        if not is_finished(job):
            raise NotFinished(namespace, name)
        planned = history[-1] if history[-1].pending else self._plan_rerun(namespace, name, job, history)
        assert planned.recreate is not None
        uid = uid_of(job)
        try:
            await self._kube.delete(JOBS, namespace, name, propagation=Cascade.FOREGROUND, uid=uid)
        except NotFound:
            pass  # gone meanwhile: create it
        except KubeApiError as error:
            if 400 <= error.code < 500:
                self._runs.discard(namespace, name, planned.number)  # refused: the old Job is untouched
            raise
        await self._wait_gone(namespace, name, uid)
        return await self._recreate(namespace, name, planned)

    async def clone(self, namespace: str, name: str) -> FormWithRest:
        """The wizard filled from the Job (and its Service), under a free name such as ``<name>-copy``."""
        job = await self._kube.get(JOBS, namespace, name)
        services = await self._kube.list(SERVICES, namespace)
        taken = {name_of(other) for other in await self._kube.list(JOBS, namespace)}
        service = service_of(services, job)
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

    def _plan_rerun(self, namespace: str, name: str, job: Manifest, history: list[Run]) -> Run:
        """Records the rerun's run, with what it will create, before anything is deleted."""
        planned = Run(history[-1].number + 1, started=self._clock(), recreate=clean_for_recreate(job))
        try:
            self._runs.save(namespace, name, planned)
        except RunConflict:
            # A rerun started at the same moment recorded it first; this one carries it on.
            latest = self._runs.runs(namespace, name)[-1]
            if not latest.pending:
                raise
            return latest
        return planned

    def _pending(self, namespace: str, name: str) -> Run | None:
        runs = self._runs.runs(namespace, name)
        return runs[-1] if runs and runs[-1].pending else None

    async def _current(self, namespace: str, name: str) -> Manifest:
        """The Job; ``RerunInterrupted`` when it is gone because its rerun was cut short after the delete."""
        try:
            return await self._kube.get(JOBS, namespace, name)
        except NotFound:
            if self._pending(namespace, name) is None:
                raise
        raise RerunInterrupted(namespace, name)

    async def _recreate(self, namespace: str, name: str, planned: Run) -> Manifest:
        """Creates the planned run's Job and gives the run its uid; a Job made meanwhile under the name is taken as it."""
        assert planned.recreate is not None
        try:
            created = await self._kube.create(JOBS, namespace, planned.recreate)
        except Conflict as error:
            if error.reason != "AlreadyExists":
                raise
            created = await self._kube.get(JOBS, namespace, name)  # a concurrent rerun or read finished it
        self._observe(created)
        return created

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
        """The history with the Job's current state written into its own run (``observed``).

        A write that loses to a concurrent one (the same run recorded twice at once) reads again.
        """
        namespace, name = namespace_of(job), name_of(job)
        for _ in range(2):
            runs = self._runs.runs(namespace, name)
            change = observed(runs, _run_of(job), created_at(job))
            if change is None:
                return runs
            try:
                self._runs.save(namespace, name, change)
            except RunConflict:
                continue
            return sorted([run for run in runs if run.number != change.number] + [change], key=lambda run: run.number)
        return self._runs.runs(namespace, name)


def _resource_of(manifest: Manifest) -> Resource:
    kind = manifest.get("kind")
    if kind not in _KINDS:
        raise ValueError(f"a Job is created with a Job and an optional Service, not a {kind}")
    return _KINDS[kind]


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
    uid = uid_of(job)
    return [
        pod
        for pod in pods
        if any(
            ref.get("controller") and ref.get("uid") == uid
            for ref in (pod.get("metadata") or {}).get("ownerReferences") or []
        )
    ]


def _run_of(job: Manifest) -> Run:
    """The run the Job shows (numbered 0: ``observed`` numbers it)."""
    status = job.get("status") or {}
    result = next((str(code) for kind, code in _RESULTS if condition(job, kind) is not None), None)
    started = parse_time(status.get("startTime")) or created_at(job)
    assert started is not None, "a Job read from the API server has a creationTimestamp"
    failure = condition(job, "Failed") if result == StatusCode.FAILED else None
    return Run(
        number=0,
        started=started,
        finished=finished_at(job) if result is not None else None,
        result=result,
        succeeded=status.get("succeeded") or 0,
        failed=status.get("failed") or 0,
        uid=uid_of(job),
        reason=(failure or {}).get("reason") or None,
    )


def _logs_of(pod: Manifest, job_name: str) -> bool:
    """Whether the pod's logs are the Job's: its controller is that Job, or it has none and the Job's name label."""
    metadata = pod.get("metadata") or {}
    controller = next((ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None)
    if controller is not None:
        return bool(controller.get("kind") == "Job" and controller.get("name") == job_name)
    labels = metadata.get("labels") or {}
    return any(labels.get(label) == job_name for label in JOB_NAME_LABELS)


def _free_name(name: str, taken: set[str]) -> str:
    for number in range(1, len(taken) + 2):
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        candidate = name[: NAME_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    raise AssertionError("one of len(taken) + 1 candidates is free")
