"""The official ``kubernetes`` client (sync) and ``lightkube`` (async, the console's) against the embedded cluster."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch
from lightkube import ApiError, AsyncClient, KubeConfig
from lightkube import operators as op
from lightkube.models.batch_v1 import JobSpec
from lightkube.models.core_v1 import Container, PodSpec, PodTemplateSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import ConfigMap, Namespace
from lightkube.types import PatchType

from conftest import RunningCluster
from waiting import eventually

from .support import Api, job_with_dependent, path

Obj = dict[str, Any]


# --- the official client ------------------------------------------------------------


@pytest.fixture(scope="module")
def api_client(shared_cluster: RunningCluster) -> Iterator[k8s.ApiClient]:
    with k8s_config.new_client_from_config(config_file=str(shared_cluster.kubeconfig)) as client:
        yield client


@pytest.fixture
def core(api_client: k8s.ApiClient) -> k8s.CoreV1Api:
    return k8s.CoreV1Api(api_client)


@pytest.fixture
def batch(api_client: k8s.ApiClient) -> k8s.BatchV1Api:
    return k8s.BatchV1Api(api_client)


def k8s_configmap(
    name: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> k8s.V1ConfigMap:
    return k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name=name, labels=labels), data=data or {})


def k8s_job(name: str, restart_policy: str = "Never") -> k8s.V1Job:
    container = k8s.V1Container(name="main", image="busybox")
    template = k8s.V1PodTemplateSpec(spec=k8s.V1PodSpec(containers=[container], restart_policy=restart_policy))
    return k8s.V1Job(metadata=k8s.V1ObjectMeta(name=name), spec=k8s.V1JobSpec(template=template, suspend=True))


def status_of(error: k8s.ApiException) -> Obj:
    return json.loads(error.body)


def test_created_configmap_reads_back(core: k8s.CoreV1Api, namespace: str) -> None:
    created = core.create_namespaced_config_map(namespace, k8s_configmap("settings", {"mode": "fast"}))

    read = core.read_namespaced_config_map("settings", namespace)

    assert read.data == {"mode": "fast"}
    assert (read.metadata.uid, read.metadata.resource_version) == (
        created.metadata.uid,
        created.metadata.resource_version,
    )


def test_created_job_reads_back_defaulted(batch: k8s.BatchV1Api, namespace: str) -> None:
    batch.create_namespaced_job(namespace, k8s_job("nightly"))

    spec = batch.read_namespaced_job("nightly", namespace).spec

    assert (spec.backoff_limit, spec.completions, spec.parallelism, spec.completion_mode) == (6, 1, 1, "NonIndexed")


def test_replace_configmap_stores_new_data_at_newer_version(core: k8s.CoreV1Api, namespace: str) -> None:
    created = core.create_namespaced_config_map(namespace, k8s_configmap("settings", {"mode": "fast"}))
    created.data = {"mode": "slow"}

    replaced = core.replace_namespaced_config_map("settings", namespace, created)

    assert core.read_namespaced_config_map("settings", namespace).data == {"mode": "slow"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)


def test_replace_job_changes_parallelism(batch: k8s.BatchV1Api, namespace: str) -> None:
    created = batch.create_namespaced_job(namespace, k8s_job("nightly"))
    created.spec.parallelism = 3

    batch.replace_namespaced_job("nightly", namespace, created)

    assert batch.read_namespaced_job("nightly", namespace).spec.parallelism == 3


def test_replace_with_stale_resource_version_conflicts(core: k8s.CoreV1Api, namespace: str) -> None:
    stale = core.create_namespaced_config_map(namespace, k8s_configmap("settings", {"mode": "fast"}))
    core.patch_namespaced_config_map("settings", namespace, {"data": {"mode": "slow"}})
    stale.data = {"mode": "stale"}

    with pytest.raises(k8s.ApiException) as raised:
        core.replace_namespaced_config_map("settings", namespace, stale)

    assert raised.value.status == 409
    assert status_of(raised.value)["reason"] == "Conflict"


def test_create_existing_name_conflicts(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, k8s_configmap("settings"))

    with pytest.raises(k8s.ApiException) as raised:
        core.create_namespaced_config_map(namespace, k8s_configmap("settings"))

    assert raised.value.status == 409
    assert status_of(raised.value)["reason"] == "AlreadyExists"


def test_read_missing_object_is_not_found_status(core: k8s.CoreV1Api, namespace: str) -> None:
    with pytest.raises(k8s.ApiException) as raised:
        core.read_namespaced_config_map("missing", namespace)

    assert raised.value.status == 404
    assert status_of(raised.value) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "missing" not found',
        "reason": "NotFound",
        "details": {"name": "missing", "kind": "configmaps"},
        "code": 404,
    }


def test_invalid_job_is_unprocessable_with_field_causes(batch: k8s.BatchV1Api, namespace: str) -> None:
    with pytest.raises(k8s.ApiException) as raised:
        batch.create_namespaced_job(namespace, k8s_job("nightly", restart_policy="Always"))

    assert raised.value.status == 422
    status = status_of(raised.value)
    assert status["reason"] == "Invalid"
    assert "spec.template.spec.restartPolicy" in [cause["field"] for cause in status["details"]["causes"]]


def test_deleted_configmap_is_not_found(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, k8s_configmap("settings"))

    core.delete_namespaced_config_map("settings", namespace)

    with pytest.raises(k8s.ApiException) as raised:
        core.read_namespaced_config_map("settings", namespace)
    assert raised.value.status == 404


def test_namespace_lifecycle(core: k8s.CoreV1Api, api: Api, namespace: str) -> None:
    made = f"{namespace}-made"
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=made)))
    assert core.read_namespace(made).status.phase == "Active"

    core.delete_namespace(made)

    def gone() -> None:
        assert not api.exists(f"/api/v1/namespaces/{made}")

    eventually(gone)


@pytest.mark.parametrize(
    ("patch", "options"),
    [
        pytest.param([{"op": "add", "path": "/data/size", "value": "2"}], {}, id="json-patch-for-a-list"),
        pytest.param({"data": {"size": "2"}}, {}, id="strategic-merge-for-an-object"),
        pytest.param({"data": {"size": "2"}}, {"_content_type": "application/merge-patch+json"}, id="merge-patch"),
        pytest.param(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"size": "2"}},
            {"_content_type": "application/apply-patch+yaml", "field_manager": "pytest"},
            id="apply-patch",
        ),
    ],
)
def test_patch_each_content_type_adds_a_key(core: k8s.CoreV1Api, namespace: str, patch: Any, options: Obj) -> None:
    core.create_namespaced_config_map(namespace, k8s_configmap("settings", {"mode": "fast"}))

    patched = core.patch_namespaced_config_map("settings", namespace, patch, **options)

    assert patched.data == {"mode": "fast", "size": "2"}


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        pytest.param("tier=db", ["db"], id="equality"),
        pytest.param("tier!=db", ["plain", "web"], id="inequality-matches-unlabelled"),
        pytest.param("tier in (db,web)", ["db", "web"], id="in"),
        pytest.param("tier notin (db)", ["plain", "web"], id="notin-matches-unlabelled"),
        pytest.param("tier", ["db", "web"], id="exists"),
        pytest.param("!tier", ["plain"], id="does-not-exist"),
        pytest.param("tier,app=shop", ["web"], id="requirements-are-anded"),
    ],
)
def test_list_with_label_selector(core: k8s.CoreV1Api, namespace: str, selector: str, names: list[str]) -> None:
    for name, labels in (("db", {"tier": "db"}), ("web", {"tier": "web", "app": "shop"}), ("plain", None)):
        core.create_namespaced_config_map(namespace, k8s_configmap(name, labels=labels))

    listed = core.list_namespaced_config_map(namespace, label_selector=selector)

    assert sorted(item.metadata.name for item in listed.items) == names


def test_watch_sees_added_modified_deleted(core: k8s.CoreV1Api, namespace: str) -> None:
    core.create_namespaced_config_map(namespace, k8s_configmap("settings", {"mode": "fast"}))
    seen = []
    watch = k8s_watch.Watch()

    for event in watch.stream(core.list_namespaced_config_map, namespace, timeout_seconds=10):
        seen.append((event["type"], event["object"].metadata.name))
        if event["type"] == "ADDED":
            core.patch_namespaced_config_map("settings", namespace, {"data": {"mode": "slow"}})
        elif event["type"] == "MODIFIED":
            core.delete_namespaced_config_map("settings", namespace)
        else:
            watch.stop()

    assert seen == [("ADDED", "settings"), ("MODIFIED", "settings"), ("DELETED", "settings")]


def test_delete_job_without_options_orphans_dependents(batch: k8s.BatchV1Api, api: Api, namespace: str) -> None:
    job_with_dependent(api, namespace)

    batch.delete_namespaced_job("nightly", namespace)  # batch/v1's default policy is OrphanDependents

    def orphaned() -> None:
        assert not api.exists(path(namespace, "jobs", "nightly"))
        assert "ownerReferences" not in api.get(path(namespace, "configmaps", "nightly-data"))["metadata"]

    eventually(orphaned)


def test_delete_job_in_background_deletes_dependents(batch: k8s.BatchV1Api, api: Api, namespace: str) -> None:
    job_with_dependent(api, namespace)

    batch.delete_namespaced_job("nightly", namespace, propagation_policy="Background")

    def dependent_gone() -> None:
        assert not api.exists(path(namespace, "configmaps", "nightly-data"))

    eventually(dependent_gone)


# --- lightkube, async ------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def lightkube(shared_cluster: RunningCluster) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(KubeConfig.from_file(shared_cluster.kubeconfig))
    yield client
    await client.close()


def lk_configmap(
    name: str, namespace: str, data: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace=namespace, labels=labels), data=data or {})


def lk_job(name: str, namespace: str, restart_policy: str = "Never") -> Job:
    template = PodTemplateSpec(
        spec=PodSpec(containers=[Container(name="main", image="busybox")], restartPolicy=restart_policy)
    )
    return Job(metadata=ObjectMeta(name=name, namespace=namespace), spec=JobSpec(template=template, suspend=True))


@pytest.mark.anyio
async def test_lightkube_created_configmap_reads_back(lightkube: AsyncClient, namespace: str) -> None:
    created = await lightkube.create(lk_configmap("settings", namespace, {"mode": "fast"}))

    read = await lightkube.get(ConfigMap, "settings", namespace=namespace)

    assert read.data == {"mode": "fast"}
    assert read.metadata.uid == created.metadata.uid


@pytest.mark.anyio
async def test_lightkube_created_job_reads_back_defaulted(lightkube: AsyncClient, namespace: str) -> None:
    await lightkube.create(lk_job("nightly", namespace))

    read = await lightkube.get(Job, "nightly", namespace=namespace)

    assert (read.spec.backoffLimit, read.spec.completionMode) == (6, "NonIndexed")


@pytest.mark.anyio
async def test_lightkube_namespace_create_and_delete(lightkube: AsyncClient, api: Api, namespace: str) -> None:
    made = f"{namespace}-made"
    await lightkube.create(Namespace(metadata=ObjectMeta(name=made)))
    assert (await lightkube.get(Namespace, made)).status.phase == "Active"

    await lightkube.delete(Namespace, made)

    def gone() -> None:
        assert not api.exists(f"/api/v1/namespaces/{made}")

    eventually(gone)


@pytest.mark.anyio
async def test_lightkube_replace_stores_new_data(lightkube: AsyncClient, namespace: str) -> None:
    created = await lightkube.create(lk_configmap("settings", namespace, {"mode": "fast"}))
    created.data = {"mode": "slow"}

    await lightkube.replace(created)

    assert (await lightkube.get(ConfigMap, "settings", namespace=namespace)).data == {"mode": "slow"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("patch_type", "patch"),
    [
        pytest.param(PatchType.JSON, [{"op": "add", "path": "/spec/activeDeadlineSeconds", "value": 600}], id="json"),
        pytest.param(PatchType.MERGE, {"spec": {"activeDeadlineSeconds": 600}}, id="merge"),
        pytest.param(PatchType.STRATEGIC, {"spec": {"activeDeadlineSeconds": 600}}, id="strategic"),
        pytest.param(
            PatchType.APPLY,
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": "nightly"},
                "spec": {"activeDeadlineSeconds": 600},
            },
            id="apply",
        ),
    ],
)
async def test_lightkube_patch_each_type_sets_job_deadline(
    lightkube: AsyncClient, namespace: str, patch_type: PatchType, patch: Any
) -> None:
    await lightkube.create(lk_job("nightly", namespace))

    patched = await lightkube.patch(
        Job, "nightly", patch, namespace=namespace, patch_type=patch_type, field_manager="console"
    )

    assert patched.spec.activeDeadlineSeconds == 600


@pytest.mark.anyio
async def test_lightkube_list_with_label_operators(lightkube: AsyncClient, namespace: str) -> None:
    for name, labels in (("db", {"tier": "db"}), ("web", {"tier": "web"}), ("plain", None)):
        await lightkube.create(lk_configmap(name, namespace, labels=labels))

    listed = [cm async for cm in lightkube.list(ConfigMap, namespace=namespace, labels={"tier": op.in_(["db", "web"])})]

    assert sorted(cm.metadata.name for cm in listed) == ["db", "web"]


@pytest.mark.anyio
async def test_lightkube_watch_sees_added_modified_deleted(lightkube: AsyncClient, namespace: str) -> None:
    await lightkube.create(lk_configmap("settings", namespace, {"mode": "fast"}))
    seen = []

    with anyio.fail_after(10):
        async for event_type, obj in lightkube.watch(ConfigMap, namespace=namespace):
            seen.append((event_type, obj.metadata.name))
            if event_type == "ADDED":
                await lightkube.patch(ConfigMap, "settings", {"data": {"mode": "slow"}}, namespace=namespace)
            elif event_type == "MODIFIED":
                await lightkube.delete(ConfigMap, "settings", namespace=namespace)
            else:
                break

    assert seen == [("ADDED", "settings"), ("MODIFIED", "settings"), ("DELETED", "settings")]


@pytest.mark.anyio
async def test_lightkube_invalid_job_raises_api_error_with_causes(lightkube: AsyncClient, namespace: str) -> None:
    with pytest.raises(ApiError) as raised:
        await lightkube.create(lk_job("nightly", namespace, restart_policy="Always"))

    assert (raised.value.status.code, raised.value.status.reason) == (422, "Invalid")
    assert "spec.template.spec.restartPolicy" in [cause.field for cause in raised.value.status.details.causes]


@pytest.mark.anyio
async def test_lightkube_get_missing_raises_not_found(lightkube: AsyncClient, namespace: str) -> None:
    with pytest.raises(ApiError) as raised:
        await lightkube.get(ConfigMap, "missing", namespace=namespace)

    assert (raised.value.status.code, raised.value.status.reason) == (404, "NotFound")


@pytest.mark.anyio
async def test_lightkube_apply_creates_then_updates_as_its_manager(lightkube: AsyncClient, namespace: str) -> None:
    await lightkube.apply(
        lk_configmap("settings", namespace, {"mode": "fast", "color": "red"}), field_manager="console"
    )

    applied = await lightkube.apply(lk_configmap("settings", namespace, {"mode": "slow"}), field_manager="console")

    assert applied.data == {"mode": "slow"}
    assert [(m.manager, m.operation) for m in applied.metadata.managedFields] == [("console", "Apply")]


@pytest.mark.anyio
async def test_lightkube_apply_by_another_manager_conflicts(lightkube: AsyncClient, namespace: str) -> None:
    await lightkube.apply(lk_configmap("settings", namespace, {"mode": "fast"}), field_manager="console")

    with pytest.raises(ApiError) as raised:
        await lightkube.apply(lk_configmap("settings", namespace, {"mode": "slow"}), field_manager="other")

    assert (raised.value.status.code, raised.value.status.reason) == (409, "Conflict")
    assert [cause.field for cause in raised.value.status.details.causes] == [".data.mode"]


@pytest.mark.anyio
async def test_lightkube_apply_with_force_takes_over_conflicting_fields(lightkube: AsyncClient, namespace: str) -> None:
    await lightkube.apply(lk_configmap("settings", namespace, {"mode": "fast"}), field_manager="console")

    forced = await lightkube.apply(
        lk_configmap("settings", namespace, {"mode": "slow"}), field_manager="other", force=True
    )

    assert forced.data == {"mode": "slow"}
    assert [(m.manager, m.operation) for m in forced.metadata.managedFields] == [("other", "Apply")]
