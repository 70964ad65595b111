"""The job list of a cluster and of every cluster: who sees every namespace gets them in one read, the same rows."""

from __future__ import annotations

import httpx

from e2e.jobs_support import JobsApi
from waiting import eventually

from .conftest import PASSWORD, add_user, job_form, jobs_url, sign_in, unique


def new_namespace(admin: httpx.Client) -> str:
    name = unique("ns")
    assert admin.post("/api/clusters/local/namespaces", json={"name": name}).status_code == 201
    return name


def rows(listing: dict, namespaces: set[str]) -> list[tuple[str, str, str, str]]:
    return [
        (item["namespace"], item["name"], item["status"]["code"], item["completions"]["text"])
        for item in listing["items"]
        if item["namespace"] in namespaces
    ]


def test_the_cluster_list_shows_every_namespaces_jobs_in_order_with_their_pods_status(admin, kube_cluster):
    first, second = sorted(new_namespace(admin) for _ in range(2))
    for namespace, names in ((second, ("b-job", "a-job")), (first, ("c-job",))):
        for name in names:
            assert admin.post(jobs_url(namespace), json=job_form(name)).status_code == 201
    pods = JobsApi(kube_cluster, first)
    try:
        (pod,) = pods.wait_active("c-job", 1)
        pods.succeed(pod)
        pods.wait_finished("c-job", "Complete")
    finally:
        pods.close()

    expected = [
        (first, "c-job", "Completed", "1/1"),
        (second, "a-job", "Waiting", "0/1"),
        (second, "b-job", "Waiting", "0/1"),
    ]

    def listed_alike() -> None:
        # The list is served from the console's cache, which learns of the pod's success by its watch.
        cluster = admin.get("/api/clusters/local/jobs")
        everywhere = admin.get("/api/jobs")
        assert cluster.status_code == everywhere.status_code == 200
        assert rows(cluster.json(), {first, second}) == expected
        assert rows(everywhere.json(), {first, second}) == expected
        per_namespace = [admin.get(jobs_url(namespace)).json() for namespace in (first, second)]
        assert [row for listing in per_namespace for row in rows(listing, {first, second})] == expected

    eventually(listed_alike)


def test_one_who_sees_some_namespaces_lists_only_theirs(console, admin):
    mine, other = new_namespace(admin), new_namespace(admin)
    for namespace in (mine, other):
        assert admin.post(jobs_url(namespace), json=job_form("job-01")).status_code == 201
    viewer = add_user(admin, "ns-viewer", mine)
    with sign_in(console.url, viewer, PASSWORD) as browser:
        listing = browser.get("/api/clusters/local/jobs").json()
    assert {item["namespace"] for item in listing["items"]} == {mine}
