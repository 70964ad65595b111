"""JobService against a real embedded cluster: the test plays the kubelet, the service does what the console would.

One control-plane cluster (no node) for the module, a namespace per test. Pods are moved
through their phases with pods/status writes, as the Job controller e2e tests do.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.orm import Session

from conftest import RunningCluster, free_port
from e2e.jobs_support import JobsApi, running
from e2e.support import Api, namespace_manifest
from jobyard.cluster.config import ClusterConfig
from jobyard.console.db import Cluster, create_engine, migrate
from jobyard.console.forms import ContainerForm, JobForm, ServiceForm, ServicePortForm, to_manifests
from jobyard.console.jobs import (
    AlreadyFinished,
    Cascade,
    JobService,
    NotFinished,
    NotFound,
    SqlRunStore,
    StatusCode,
)
from waiting import eventually

from .kube_adapter import HttpxKubeApi

T = TypeVar("T")
_namespaces = itertools.count()


@pytest.fixture(scope="module")
def kube_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    config = ClusterConfig(
        data_dir=tmp_path_factory.mktemp("jobs-cluster") / "data",
        api_port=free_port(),
        bookmark_interval_seconds=0.5,
        job_pod_batch_seconds=0.1,
        node=False,
    )
    running_cluster = RunningCluster(config).start()
    yield running_cluster
    running_cluster.stop()


@pytest.fixture
def namespace(kube_cluster: RunningCluster) -> Iterator[str]:
    api = Api(kube_cluster)
    name = f"jobs-{next(_namespaces)}"
    api.post("/api/v1/namespaces", namespace_manifest(name))
    yield name
    api.request("DELETE", f"/api/v1/namespaces/{name}")
    api.close()


@pytest.fixture
def pods(kube_cluster: RunningCluster, namespace: str) -> Iterator[JobsApi]:
    """The kubelet's part: moving pods through their phases."""
    api = JobsApi(kube_cluster, namespace)
    yield api
    api.close()


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[SqlRunStore]:
    engine = create_engine(None, tmp_path)
    migrate(engine)
    with Session(engine) as session:
        session.add(Cluster(name="local", kubeconfig=b"", status="Running", created=datetime(2027, 1, 1, tzinfo=UTC)))
        session.commit()
        yield SqlRunStore(session, "local")
    engine.dispose()


def run(scenario: Callable[[JobService], Coroutine[Any, Any, T]], cluster: RunningCluster, store: SqlRunStore) -> T:
    async def main() -> T:
        kube = HttpxKubeApi(cluster)
        try:
            return await scenario(JobService(kube, store, poll_interval=0.05, deletion_timeout=15))
        finally:
            await kube.close()

    return asyncio.run(main())


async def until(check: Callable[[], Coroutine[Any, Any, T]], timeout: float = 15) -> T:
    """``check()``'s first result that raises no AssertionError; its last AssertionError after ``timeout``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.05)


def manifests(namespace: str, name: str = "job-01", with_service: bool = True) -> list[dict[str, Any]]:
    form = JobForm(
        name=name,
        namespace=namespace,
        instances=1,
        containers=[ContainerForm(name="main", image="busybox:1.36")],
        service=ServiceForm(ports=[ServicePortForm(port=80, target_port=8080)]) if with_service else None,
    )
    form.advanced.parallelism = 1
    return to_manifests(form)


def make_running(pods: JobsApi, pod: dict[str, Any]) -> None:
    scheduled = {"type": "PodScheduled", "status": "True"}
    pods.write_pod_status(pod, {"phase": "Running", "conditions": [scheduled], "containerStatuses": [running()]})


async def status_of(service: JobService, namespace: str, name: str) -> tuple[StatusCode, str | None]:
    summary = (await service.detail(namespace, name)).summary
    return summary.status.code, summary.status.reason


def test_create_run_complete_and_rerun_keeps_two_runs(kube_cluster, namespace, pods, runs) -> None:
    async def scenario(service: JobService) -> None:
        checked = await service.create(manifests(namespace), dry_run=True)
        assert [obj["kind"] for obj in checked] == ["Job", "Service"]
        with pytest.raises(NotFound):
            await service.detail(namespace, "job-01")

        await service.create(manifests(namespace))
        (pod,) = pods.wait_active("job-01", 1)
        make_running(pods, pod)

        async def executing() -> None:
            assert await status_of(service, namespace, "job-01") == (StatusCode.EXECUTING, None)

        await until(executing)
        (row,) = await service.jobs(namespace)
        assert (row.name, row.status.code, str(row.completions)) == ("job-01", StatusCode.EXECUTING, "0/1")
        assert row.duration is not None and row.finished is None
        with pytest.raises(NotFinished):
            await service.rerun(namespace, "job-01")

        pods.succeed(pod)

        async def completed() -> None:
            assert await status_of(service, namespace, "job-01") == (StatusCode.COMPLETED, "CompletionsReached")

        await until(completed)
        detail = await service.detail(namespace, "job-01")
        assert str(detail.summary.completions) == "1/1"
        assert [(p.phase, p.exit_code) for p in detail.pods] == [("Succeeded", 0)]
        assert detail.service is not None and detail.service["metadata"]["name"] == "job-01"
        assert {c.type for c in detail.conditions} >= {"Complete", "SuccessCriteriaMet"}
        assert detail.events[0].reason == "Completed"
        (first,) = detail.runs
        assert (first.number, first.result, first.succeeded, first.failed) == (1, "Completed", 1, 0)

        old_uid = detail.summary.job["metadata"]["uid"]
        rerun = await service.rerun(namespace, "job-01")
        assert rerun["metadata"]["uid"] != old_uid
        (again,) = pods.wait_active("job-01", 1)
        assert again["metadata"]["name"] != pod["metadata"]["name"]
        pods.succeed(again)
        await until(completed)
        history = await service.history(namespace, "job-01")
        assert [(r.number, r.result, r.succeeded) for r in history] == [(1, "Completed", 1), (2, "Completed", 1)]
        assert history[1].started >= first.finished  # type: ignore[operator]

    run(scenario, kube_cluster, runs)


def test_a_pod_no_node_can_take_is_an_exception(kube_cluster, namespace, pods, runs) -> None:
    async def scenario(service: JobService) -> None:
        await service.create(manifests(namespace, with_service=False))
        (pod,) = pods.wait_active("job-01", 1)
        assert await status_of(service, namespace, "job-01") == (StatusCode.WAITING, None)
        # What the scheduler writes when no node fits (this cluster runs none).
        unschedulable = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/0 nodes"}
        pods.write_pod_status(pod, {"conditions": [unschedulable]})
        summary = (await service.detail(namespace, "job-01")).summary
        assert (summary.status.code, summary.status.reason) == (StatusCode.EXCEPTION, "Unschedulable")
        assert summary.status.message == f"{pod['metadata']['name']}: 0/0 nodes"

    run(scenario, kube_cluster, runs)


def test_suspend_stops_the_pods_and_resume_starts_them_again(kube_cluster, namespace, pods, runs) -> None:
    async def scenario(service: JobService) -> None:
        await service.create(manifests(namespace, with_service=False))
        (pod,) = pods.wait_active("job-01", 1)
        make_running(pods, pod)

        await service.suspend(namespace, "job-01")
        # At once, whether or not the controller has written its Suspended condition yet.
        assert (await status_of(service, namespace, "job-01"))[0] == StatusCode.SUSPENDED

        async def suspended_without_pods() -> None:
            assert await status_of(service, namespace, "job-01") == (StatusCode.SUSPENDED, "JobSuspended")
            assert not pods.active_pods("job-01")

        await until(suspended_without_pods)

        await service.resume(namespace, "job-01")
        (resumed,) = pods.wait_active("job-01", 1)
        make_running(pods, resumed)
        pods.succeed(resumed)

        async def completed() -> None:
            assert (await status_of(service, namespace, "job-01"))[0] == StatusCode.COMPLETED

        await until(completed)
        with pytest.raises(AlreadyFinished):
            await service.suspend(namespace, "job-01")

    run(scenario, kube_cluster, runs)


@pytest.mark.parametrize("cascade", list(Cascade))
def test_delete_with_each_cascade(kube_cluster, namespace, pods, runs, cascade: Cascade) -> None:
    async def scenario(service: JobService) -> None:
        await service.create(manifests(namespace, with_service=False))
        (pod,) = pods.wait_active("job-01", 1)
        make_running(pods, pod)
        await service.delete(namespace, "job-01", cascade)

        async def job_gone() -> None:
            try:
                await service.detail(namespace, "job-01")
            except NotFound:
                return
            raise AssertionError("the Job is still there")

        await until(job_gone)
        kept = pods.exists(pods.pod_url(pod))
        assert runs.runs(namespace, "job-01") == []
        if cascade is Cascade.ORPHAN:
            assert kept
            assert not pods.get(pods.pod_url(pod))["metadata"].get("ownerReferences")
        else:
            eventually(lambda: _assert_gone(pods, pod))

    run(scenario, kube_cluster, runs)


def test_foreground_deletion_shows_deleting_while_pods_remain(kube_cluster, namespace, pods, runs) -> None:
    async def scenario(service: JobService) -> None:
        await service.create(manifests(namespace, with_service=False))
        (pod,) = pods.wait_active("job-01", 1)
        # A finalizer of our own holds the pod, so the Job stays in foreground deletion until the test lets go.
        pods.merge_patch(pods.pod_url(pod), {"metadata": {"finalizers": ["example.com/hold"]}})
        await service.delete(namespace, "job-01", Cascade.FOREGROUND)
        assert await status_of(service, namespace, "job-01") == (StatusCode.DELETING, None)
        pods.merge_patch(pods.pod_url(pod), {"metadata": {"finalizers": None}})

    run(scenario, kube_cluster, runs)


def _assert_gone(pods: JobsApi, pod: dict[str, Any]) -> None:
    assert not pods.exists(pods.pod_url(pod))
