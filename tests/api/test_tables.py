"""Table responses (``as=Table``), the server-side printing kubectl get asks for."""

from __future__ import annotations

from .support import assert_status, create, job, jobs_url, pod, pods_url, take, watch_events

TABLE = "application/json;as=Table;g=meta.k8s.io;v=v1"
AS_TABLE = {"Accept": f"{TABLE},application/json"}


def columns(table: dict, priority: int) -> list[str]:
    return [column["name"] for column in table["columnDefinitions"] if column["priority"] == priority]


def test_pod_table_has_upstreams_columns(api, namespace):
    create(api, pods_url(namespace), pod())
    table = api.get(pods_url(namespace), headers=AS_TABLE).json()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert columns(table, 0) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert columns(table, 1)[:2] == ["IP", "Node"]


def test_pod_row_shows_a_pending_pod(api, namespace):
    create(api, pods_url(namespace), pod())
    row = api.get(pods_url(namespace), headers=AS_TABLE).json()["rows"][0]
    assert row["cells"][:4] == ["pod", "0/1", "Pending", "0"]


def test_job_table_has_upstreams_columns(api, namespace):
    create(api, jobs_url(namespace), job())
    table = api.get(jobs_url(namespace), headers=AS_TABLE).json()
    assert columns(table, 0) == ["Name", "Status", "Completions", "Duration", "Age"]
    assert columns(table, 1) == ["Containers", "Images", "Selector"]


def test_job_row_shows_completions_of_a_new_job(api, namespace):
    create(api, jobs_url(namespace), job(completions=3))
    row = api.get(jobs_url(namespace), headers=AS_TABLE).json()["rows"][0]
    assert row["cells"][0] == "job" and row["cells"][2] == "0/3"


def test_rows_carry_partial_object_metadata_by_default(api, namespace):
    create(api, pods_url(namespace), pod())
    row = api.get(pods_url(namespace), headers=AS_TABLE).json()["rows"][0]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "pod"


def test_include_object_returns_the_full_object(api, namespace):
    create(api, pods_url(namespace), pod())
    table = api.get(pods_url(namespace), headers=AS_TABLE, params={"includeObject": "Object"}).json()
    assert table["rows"][0]["object"]["spec"]["containers"][0]["name"] == "main"


def test_get_of_one_object_is_a_one_row_table(api, namespace):
    create(api, pods_url(namespace), pod())
    table = api.get(pods_url(namespace, "pod"), headers=AS_TABLE).json()
    assert [row["cells"][0] for row in table["rows"]] == ["pod"]


def test_table_list_keeps_the_list_resource_version(api, namespace):
    create(api, pods_url(namespace), pod())
    table = api.get(pods_url(namespace), headers=AS_TABLE).json()
    assert table["metadata"]["resourceVersion"]


def test_watch_as_table_sends_columns_once_then_rows(api, namespace):
    create(api, pods_url(namespace), pod("a"))
    create(api, pods_url(namespace), pod("b"))
    with api.stream("GET", pods_url(namespace), params={"watch": "true"}, headers=AS_TABLE) as response:
        first, second = take(watch_events(response), 2)
    assert first["object"]["kind"] == "Table" and first["object"]["columnDefinitions"]
    assert not second["object"].get("columnDefinitions")
    assert second["object"]["rows"][0]["cells"][0] == "b"


def test_an_unknown_include_object_is_400(api, namespace):
    response = api.get(pods_url(namespace), headers=AS_TABLE, params={"includeObject": "All"})
    assert_status(response, 400, "BadRequest")
