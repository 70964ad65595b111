"""JobService rules that need no cluster: a fake KubeApi stores objects in a dict and records calls."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from jobyard.console.jobs import (
    Cascade,
    ClusterUnreachable,
    Conflict,
    DeletionTimeout,
    Invalid,
    InvalidChanges,
    JobService,
    KubeApiError,
    Manifest,
    NotFound,
    NotOwned,
    RerunInterrupted,
    Resource,
    Run,
    RunConflict,
)

from .builders import condition, job, started, with_conditions

T = TypeVar("T")
NOW = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)


class FakeKube:
    def __init__(self, *objects: Manifest, refuse: set[str] = frozenset(), deletes_stick: bool = False) -> None:
        self.objects: dict[tuple[str, str, str], Manifest] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.fail_once: dict[str, KubeApiError] = {}  # verb -> the error its next call raises
        self.forbidden_reads: set[str] = set()  # plurals whose reads the credentials may not make
        self._refuse = refuse
        self._deletes_stick = deletes_stick
        for obj in objects:
            self.objects[(_plural(obj), obj["metadata"]["namespace"], obj["metadata"]["name"])] = obj

    async def get(self, resource: Resource, namespace: str, name: str) -> Manifest:
        if resource.plural in self.forbidden_reads:
            raise KubeApiError(403, {"reason": "Forbidden"})
        try:
            return copy.deepcopy(self.objects[(resource.plural, namespace, name)])
        except KeyError:
            raise NotFound(404, {"reason": "NotFound"}) from None

    async def list(self, resource: Resource, namespace: str, label_selector: str | None = None) -> list[Manifest]:
        return [
            copy.deepcopy(o)
            for (plural, ns, _), o in self.objects.items()
            if (plural, ns) == (resource.plural, namespace)
        ]

    async def create(self, resource: Resource, namespace: str, body: Manifest, *, dry_run: bool = False) -> Manifest:
        self.calls.append(("create-dry" if dry_run else "create", resource.plural, body["metadata"]["name"]))
        if not dry_run and "create" in self.fail_once:
            raise self.fail_once.pop("create")
        if (resource.plural, namespace, body["metadata"]["name"]) in self.objects and not dry_run:
            raise Conflict(409, {"reason": "AlreadyExists"})
        if resource.plural in self._refuse and not dry_run:
            raise Invalid(422, {"reason": "Invalid"})
        created = copy.deepcopy(body)
        created["metadata"] |= {
            "namespace": namespace,
            "uid": f"uid-{len(self.calls)}",
            "creationTimestamp": "2027-01-01T10:00:00Z",
        }
        if not dry_run:
            self.objects[(resource.plural, namespace, body["metadata"]["name"])] = created
        return created

    async def merge_patch(self, resource: Resource, namespace: str, name: str, patch: Manifest) -> Manifest:
        self.calls.append(("patch", resource.plural, name))
        return await self.get(resource, namespace, name)

    async def delete(
        self, resource: Resource, namespace: str, name: str, *, propagation: Cascade, uid: str | None = None
    ) -> None:
        self.calls.append((f"delete-{propagation}", resource.plural, name))
        if "delete" in self.fail_once:
            raise self.fail_once.pop("delete")
        if (resource.plural, namespace, name) not in self.objects:
            raise NotFound(404, {"reason": "NotFound"})
        if not self._deletes_stick:
            del self.objects[(resource.plural, namespace, name)]

    async def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        return f"log of {pod}"


class MemoryRuns:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], dict[int, Run]] = {}

    def runs(self, namespace: str, job_name: str) -> list[Run]:
        return [run for _, run in sorted(self.saved.get((namespace, job_name), {}).items())]

    def save(self, namespace: str, job_name: str, run: Run) -> None:
        kept = self.saved.setdefault((namespace, job_name), {})
        if run.uid is not None and any(other.uid == run.uid for number, other in kept.items() if number != run.number):
            raise RunConflict(run.uid)
        kept[run.number] = run

    def discard(self, namespace: str, job_name: str, number: int) -> None:
        self.saved.get((namespace, job_name), {}).pop(number, None)

    def forget(self, namespace: str, job_name: str) -> None:
        self.saved.pop((namespace, job_name), None)

    def begin(self, namespace: str, job_name: str, run: Run) -> None:
        self.saved[(namespace, job_name)] = {run.number: run}


def _plural(obj: Manifest) -> str:
    return {"Job": "jobs", "Service": "services", "Pod": "pods", "Endpoints": "endpoints"}[obj["kind"]]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def service(kube: FakeKube, runs: MemoryRuns | None = None) -> JobService:
    return JobService(kube, runs or MemoryRuns(), lambda: NOW, deletion_timeout=0.2, poll_interval=0.01)


def completed_job(name: str = "job-01") -> Manifest:
    return with_conditions(
        started(job(name), succeeded=1, completionTime="2027-01-01T09:01:00Z"),
        condition("Complete", "CompletionsReached"),
    )


def service_for(name: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "uid": "s"},
        "spec": {"selector": {"app": name}, "clusterIP": "10.0.0.9", "ports": [{"port": 80, "targetPort": 8080}]},
    }


def test_everything_is_dry_run_before_anything_is_created() -> None:
    kube = FakeKube()
    new_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {}}
    run(service(kube).create([new_job, service_for("j")]))
    assert [call[0] for call in kube.calls] == ["create-dry", "create-dry", "create", "create"]


def test_a_job_without_a_service_is_created_without_a_dry_run_first() -> None:
    kube = FakeKube()
    new_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {}}
    run(service(kube).create([new_job]))
    assert [call[0] for call in kube.calls] == ["create"]


def test_a_dry_run_of_a_job_alone_is_only_a_dry_run() -> None:
    kube = FakeKube()
    new_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {}}
    run(service(kube).create([new_job], dry_run=True))
    assert [call[0] for call in kube.calls] == ["create-dry"]


def test_a_refused_service_takes_its_job_back() -> None:
    kube = FakeKube(refuse={"services"})
    new_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {}}
    with pytest.raises(Invalid):
        run(service(kube).create([new_job, service_for("j")]))
    assert kube.calls[-1] == ("delete-Background", "jobs", "j")
    assert kube.objects == {}


def test_only_a_job_and_a_service_are_created() -> None:
    with pytest.raises(ValueError, match="ConfigMap"):
        run(service(FakeKube()).create([{"kind": "ConfigMap", "metadata": {"name": "c"}}]))


def test_creating_starts_a_fresh_history() -> None:
    runs = MemoryRuns()
    runs.save("default", "j", Run(1, NOW, NOW, "Failed"))
    runs.save("default", "j", Run(2, NOW, NOW, "Failed"))
    new_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {}}
    run(service(FakeKube(), runs).create([new_job]))
    assert runs.runs("default", "j") == [Run(1, NOW, uid="uid-1")]


def test_a_job_made_elsewhere_gets_its_first_run_when_read() -> None:
    runs = MemoryRuns()
    history = run(service(FakeKube(completed_job()), runs).history("default", "job-01"))
    assert [(r.number, r.result, r.succeeded, r.started.isoformat()) for r in history] == [
        (1, "Completed", 1, "2027-01-01T09:00:05+00:00")
    ]


def test_a_job_recreated_elsewhere_after_the_last_run_is_a_new_run() -> None:
    runs = MemoryRuns()
    earlier = datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    runs.save("default", "job-01", Run(1, earlier, earlier, "Failed"))
    history = run(service(FakeKube(started(job())), runs).history("default", "job-01"))
    assert [(r.number, r.result) for r in history] == [(1, "Failed"), (2, None)]


def test_rerun_gives_up_when_the_old_job_does_not_go() -> None:
    kube = FakeKube(completed_job(), deletes_stick=True)
    with pytest.raises(DeletionTimeout):
        run(service(kube).rerun("default", "job-01"))
    assert ("create", "jobs", "job-01") not in kube.calls


def test_rerun_deletes_in_the_foreground_and_recreates_the_clean_job() -> None:
    kube = FakeKube(completed_job())
    recreated = run(service(kube).rerun("default", "job-01"))
    assert ("delete-Foreground", "jobs", "job-01") in kube.calls
    assert "status" not in recreated and "selector" not in recreated["spec"]


def test_edit_refuses_before_calling_the_cluster() -> None:
    kube = FakeKube(started(job()))
    with pytest.raises(InvalidChanges):
        run(service(kube).edit("default", "job-01", {"completions": 2}))
    assert kube.calls == []


def test_logs_are_read_only_for_the_jobs_own_pods() -> None:
    owned = {"kind": "Pod", "metadata": {"name": "mine", "namespace": "default"}}
    owned["metadata"]["ownerReferences"] = [{"kind": "Job", "name": "job-01", "controller": True, "uid": "u"}]
    stranger = {"kind": "Pod", "metadata": {"name": "other", "namespace": "default"}}
    api = service(FakeKube(owned, stranger))
    assert run(api.logs("default", "job-01", "mine")) == "log of mine"
    with pytest.raises(NotOwned):
        run(api.logs("default", "job-01", "other"))


def test_clone_opens_the_form_under_a_free_name_with_its_service() -> None:
    kube = FakeKube(completed_job(), completed_job("job-01-copy"), service_for("job-01"))
    opened = run(service(kube).clone("default", "job-01"))
    assert opened.form.name == "job-01-copy-2"
    assert opened.form.service is not None and opened.form.service.name == ""
    assert [(label.key, label.value) for label in opened.form.advanced.labels] == []
    assert "clusterIP" not in opened.rest[1]["spec"]


def test_a_cloned_name_stays_within_63_characters() -> None:
    long_name = "a" * 63
    kube = FakeKube(completed_job(long_name))
    opened = run(service(kube).clone("default", long_name))
    assert opened.form.name == "a" * 58 + "-copy"


def test_a_jobs_service_comes_with_its_endpoints_or_without_them_when_they_cannot_be_read() -> None:
    endpoints = {"kind": "Endpoints", "metadata": {"name": "job-01", "namespace": "default"}, "subsets": []}
    kube = FakeKube(completed_job(), service_for("job-01"), endpoints)
    detail = run(service(kube).detail("default", "job-01"))
    assert detail.service is not None and detail.endpoints == endpoints
    kube.forbidden_reads.add("endpoints")
    detail = run(service(kube).detail("default", "job-01"))
    assert detail.service is not None and detail.endpoints is None


def test_the_service_picked_for_a_job_selects_its_pods() -> None:
    unrelated = service_for("other")
    kube = FakeKube(completed_job(), unrelated)
    assert run(service(kube).detail("default", "job-01")).service is None


def failed_job(name: str = "job-01", reason: str = "BackoffLimitExceeded") -> Manifest:
    return with_conditions(started(job(name), failed=1), condition("Failed", reason, at="2027-01-01T09:01:00Z"))


class RerunDuringRead(FakeKube):
    """A detail read that fetched the old Job, then a rerun finishes before the read records its run."""

    def __init__(self, *objects: Manifest) -> None:
        super().__init__(*objects)
        self.service: JobService | None = None

    async def list(self, resource: Resource, namespace: str, label_selector: str | None = None) -> list[Manifest]:
        if resource.plural == "events" and self.service is not None:
            racing, self.service = self.service, None
            await racing.rerun(namespace, "job-01")
        return await super().list(resource, namespace, label_selector)


def test_a_read_of_the_old_job_racing_a_rerun_updates_only_the_old_run() -> None:
    kube, runs = RerunDuringRead(failed_job()), MemoryRuns()
    api = service(kube, runs)
    run(api.history("default", "job-01"))
    kube.service = api
    run(api.detail("default", "job-01"))
    run(api.detail("default", "job-01"))  # the next read (of the new Job) adds nothing either
    history = runs.runs("default", "job-01")
    assert [(r.number, r.result, r.uid) for r in history] == [
        (1, "Failed", job()["metadata"]["uid"]),
        (2, None, "uid-2"),
    ]


def test_reading_a_job_again_and_again_adds_no_run() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    run(api.rerun("default", "job-01"))
    for _ in range(3):
        run(api.detail("default", "job-01"))
    assert [run.number for run in runs.runs("default", "job-01")] == [1, 2]


def test_a_failed_run_records_its_reason() -> None:
    history = run(service(FakeKube(failed_job(reason="DeadlineExceeded"))).history("default", "job-01"))
    assert [(r.result, r.reason) for r in history] == [("Failed", "DeadlineExceeded")]


def test_a_rerun_cut_short_after_the_delete_is_finished_by_the_next_rerun() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    kube.fail_once["create"] = ClusterUnreachable("connection reset")
    with pytest.raises(ClusterUnreachable):
        run(api.rerun("default", "job-01"))
    assert ("jobs", "default", "job-01") not in kube.objects
    assert runs.runs("default", "job-01")[-1].pending

    again = run(api.rerun("default", "job-01"))
    assert kube.objects[("jobs", "default", "job-01")]["metadata"]["uid"] == again["metadata"]["uid"]
    history = runs.runs("default", "job-01")
    assert [(r.number, r.result, r.uid, r.pending) for r in history] == [
        (1, "Completed", job()["metadata"]["uid"], False),
        (2, None, again["metadata"]["uid"], False),
    ]


def test_reading_a_job_whose_rerun_was_cut_short_says_so_and_creates_nothing() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    kube.fail_once["create"] = ClusterUnreachable("connection reset")
    with pytest.raises(ClusterUnreachable):
        run(api.rerun("default", "job-01"))
    for read in (api.detail, api.history):
        with pytest.raises(RerunInterrupted):
            run(read("default", "job-01"))
    assert ("jobs", "default", "job-01") not in kube.objects, "a read never writes to the cluster"
    run(api.rerun("default", "job-01"))
    assert [(r.number, r.pending) for r in run(api.history("default", "job-01"))] == [(1, False), (2, False)]


def test_a_rerun_whose_old_job_was_slow_to_go_goes_on_under_the_same_run() -> None:
    kube, runs = FakeKube(completed_job(), deletes_stick=True), MemoryRuns()
    api = service(kube, runs)
    with pytest.raises(DeletionTimeout):
        run(api.rerun("default", "job-01"))
    run(api.detail("default", "job-01"))  # the old Job, still deleting, keeps its own run
    assert [(r.number, r.pending) for r in runs.runs("default", "job-01")] == [(1, False), (2, True)]
    kube._deletes_stick = False
    run(api.rerun("default", "job-01"))
    assert [(r.number, r.pending) for r in runs.runs("default", "job-01")] == [(1, False), (2, False)]


def test_a_rerun_seen_created_but_not_recorded_is_claimed_by_the_new_job() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    runs.save("default", "job-01", Run(1, NOW, NOW, "Completed", uid=job()["metadata"]["uid"]))
    runs.save("default", "job-01", Run(2, NOW, recreate={"kind": "Job"}))  # the console stopped after the create
    kube.objects[("jobs", "default", "job-01")] = started(job() | {"metadata": job()["metadata"] | {"uid": "new"}})
    history = run(api.history("default", "job-01"))
    assert [(r.number, r.uid, r.pending) for r in history] == [(1, job()["metadata"]["uid"], False), (2, "new", False)]


def test_deleting_a_job_whose_rerun_is_pending_drops_the_rerun() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    kube.fail_once["create"] = ClusterUnreachable("connection reset")
    with pytest.raises(ClusterUnreachable):
        run(api.rerun("default", "job-01"))
    run(api.delete("default", "job-01"))
    assert runs.runs("default", "job-01") == []
    with pytest.raises(NotFound):
        run(api.detail("default", "job-01"))


def test_a_rerun_whose_delete_is_refused_leaves_no_pending_run() -> None:
    kube, runs = FakeKube(completed_job()), MemoryRuns()
    api = service(kube, runs)
    kube.fail_once["delete"] = KubeApiError(403, {"reason": "Forbidden"})
    with pytest.raises(KubeApiError):
        run(api.rerun("default", "job-01"))
    assert [r.number for r in runs.runs("default", "job-01")] == [1]


def orphaned_pod(name: str, job_name: str = "job-01") -> Manifest:
    labels = {"batch.kubernetes.io/job-name": job_name, "job-name": job_name}
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "default", "labels": labels}, "status": {}}


def test_pods_a_deleted_job_orphaned_keep_their_logs_readable() -> None:
    api = service(FakeKube(orphaned_pod("left-1"), orphaned_pod("other-1", job_name="job-02")))
    assert run(api.logs("default", "job-01", "left-1")) == "log of left-1"
    assert run(api.merged_logs("default", "job-01")) == "[left-1] log of left-1\n"
    with pytest.raises(NotOwned):
        run(api.logs("default", "job-01", "other-1"))


def test_a_pod_another_controller_owns_is_not_the_jobs_by_its_label() -> None:
    adopted = orphaned_pod("taken")
    adopted["metadata"]["ownerReferences"] = [{"kind": "Job", "name": "job-02", "controller": True, "uid": "x"}]
    with pytest.raises(NotOwned):
        run(service(FakeKube(adopted)).logs("default", "job-01", "taken"))


def test_merged_logs_of_a_job_that_left_nothing_behind_are_not_found() -> None:
    with pytest.raises(NotFound):
        run(service(FakeKube(orphaned_pod("other-1", job_name="job-02"))).merged_logs("default", "job-01"))
