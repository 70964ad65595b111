"""The Job list is served from a cache the console keeps by list+watch: it follows what happens on the
cluster, whoever does it, says when a cluster is away instead of showing what it last saw, and stops
with the cluster's removal."""

from __future__ import annotations

import httpx
import pytest

from e2e.jobs_support import JobsApi
from waiting import eventually

from .conftest import control_plane, job_form, jobs_url, unique


def listed(admin: httpx.Client, namespace: str) -> list[tuple[str, str]]:
    response = admin.get(jobs_url(namespace))
    assert response.status_code == 200, response.text
    return [(item["name"], item["status"]["code"]) for item in response.json()["items"]]


def test_a_job_created_straight_on_the_cluster_appears_and_a_deleted_one_disappears(admin, kube_cluster, namespace):
    kubectl = JobsApi(kube_cluster, namespace)
    try:
        kubectl.create_job("outside")

        def shown() -> None:
            assert listed(admin, namespace) == [("outside", "Waiting")]

        eventually(shown)
        kubectl.delete_job("outside", "Background")

        def gone() -> None:
            assert listed(admin, namespace) == []

        eventually(gone)
    finally:
        kubectl.close()


def test_a_job_the_console_created_is_listed_at_once(admin, namespace):
    assert admin.post(jobs_url(namespace), json=job_form("mine")).status_code == 201
    assert listed(admin, namespace) == [("mine", "Waiting")]


def test_a_suspension_through_the_console_is_listed_at_once(admin, namespace):
    assert admin.post(jobs_url(namespace), json=job_form("paused")).status_code == 201
    assert admin.post(jobs_url(namespace) + "/paused/suspend").status_code == 200
    assert listed(admin, namespace) == [("paused", "Suspended")]


def test_the_list_follows_pods_the_job_controller_makes(admin, kube_cluster, namespace):
    assert admin.post(jobs_url(namespace), json=job_form("runner")).status_code == 201
    kubectl = JobsApi(kube_cluster, namespace)
    try:
        (pod,) = kubectl.wait_active("runner", 1)
        kubectl.succeed(pod)

        def completed() -> None:
            assert listed(admin, namespace) == [("runner", "Completed")]

        eventually(completed)
    finally:
        kubectl.close()


@pytest.fixture
def second_cluster(tmp_path, admin):
    """Another cluster joined to the console, stopped (and removed) by the test or at its end."""
    name = unique("away")
    with control_plane(tmp_path / "data") as running:
        joined = admin.post("/api/clusters", json={"name": name, "kubeconfig": running.kubeconfig.read_text()})
        assert joined.status_code == 201, joined.text
        yield name, running
    admin.delete(f"/api/clusters/{name}")


def test_a_cluster_that_goes_away_is_reported_unreachable_not_listed_from_memory(admin, second_cluster):
    name, running = second_cluster
    namespace = unique("ns")
    assert admin.post(f"/api/clusters/{name}/namespaces", json={"name": namespace}).status_code == 201
    url = f"/api/clusters/{name}/namespaces/{namespace}/jobs"
    assert admin.post(url, json=job_form("there")).status_code == 201
    assert [item["name"] for item in admin.get(f"/api/clusters/{name}/jobs").json()["items"]] == ["there"]

    running.stop()

    def reported() -> None:
        listing = admin.get("/api/jobs").json()
        assert [(problem["cluster"], problem["code"]) for problem in listing["unreachable"]] == [
            (name, "clusterUnreachable")
        ]
        assert all(item["cluster"] != name for item in listing["items"])

    eventually(reported)
    assert admin.get(url).status_code == 503


def test_removing_a_cluster_stops_its_cache(console, admin, second_cluster):
    name, _ = second_cluster
    assert admin.get(f"/api/clusters/{name}/jobs").status_code == 200
    clusters = console.running.services.clusters
    cache = clusters.running_cache(name)
    assert cache is not None and cache.running

    assert admin.delete(f"/api/clusters/{name}").status_code == 204

    assert (cache.running, clusters.running_cache(name)) == (False, None)
