import asyncio

import pytest

from jobyard.cluster.clock import format_time
from jobyard.cluster.controllers import TTLAfterFinishedController
from jobyard.cluster.controllers.ttl import seconds_left

START = 1_800_000_000.0


def job(ttl=None, finished=None, condition="Complete", deleting=False):
    meta = {"name": "j", "namespace": "default", "uid": "u"}
    if deleting:
        meta["deletionTimestamp"] = format_time(START)
    spec = {} if ttl is None else {"ttlSecondsAfterFinished": ttl}
    status = {}
    if finished is not None:
        status["conditions"] = [{"type": condition, "status": "True", "lastTransitionTime": format_time(finished)}]
    return {"metadata": meta, "spec": spec, "status": status}


@pytest.mark.parametrize(
    "obj, now, expected",
    [
        pytest.param(job(ttl=100, finished=START), START + 30, 70, id="the clock starts when the job finished"),
        pytest.param(job(ttl=100, finished=START, condition="Failed"), START + 100, 0, id="failed jobs expire too"),
        pytest.param(job(ttl=0, finished=START), START + 5, -5, id="zero means right after finishing"),
        pytest.param(job(ttl=None, finished=START), START + 500, None, id="no ttl: never"),
        pytest.param(job(ttl=10), START + 500, None, id="a running job never expires"),
        pytest.param(job(ttl=10, finished=START, deleting=True), START + 500, None, id="a deleting job is left alone"),
    ],
)
def test_seconds_left(obj, now, expected):
    assert seconds_left(obj, now) == expected


def finished_job(client, ttl):
    created = client.create(
        "jobs.batch",
        "default",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "ttlSecondsAfterFinished": ttl,
                "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}},
            },
        },
    )
    stamp = format_time(START)
    created["status"] = {
        "startTime": stamp,
        "completionTime": stamp,
        "succeeded": 1,
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": stamp},
            {"type": "Complete", "status": "True", "lastTransitionTime": stamp},
        ],
    }
    return client.update("jobs.batch", created, subresource="status")


def test_a_job_is_kept_until_its_ttl_and_requeued_for_then(in_process):
    client, now = in_process
    finished_job(client, ttl=60)
    now[0] = START + 20
    delay = asyncio.run(TTLAfterFinishedController(client).reconcile("default/j"))
    assert delay == 40
    assert client.find("jobs.batch", "default", "j") is not None


def test_an_expired_job_is_deleted_in_the_foreground(in_process):
    client, now = in_process
    finished_job(client, ttl=60)
    now[0] = START + 61
    asyncio.run(TTLAfterFinishedController(client).reconcile("default/j"))
    deleting = client.get("jobs.batch", "default", "j")
    assert "foregroundDeletion" in deleting["metadata"]["finalizers"]


def test_an_edited_ttl_is_honoured(in_process):
    client, now = in_process
    current = finished_job(client, ttl=10)
    current["spec"]["ttlSecondsAfterFinished"] = 1000
    client.update("jobs.batch", current)
    now[0] = START + 500
    assert asyncio.run(TTLAfterFinishedController(client).reconcile("default/j")) == 500


def test_a_job_gone_before_its_ttl_is_nothing_to_do(in_process):
    client, _ = in_process
    assert asyncio.run(TTLAfterFinishedController(client).reconcile("default/missing")) is None
