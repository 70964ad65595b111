"""The Job controller end to end: the test plays the kubelet through pods/status and watches each Job react.

Every test gets a fresh cluster with all controllers and a 50 ms pod-failure
backoff; pod events still reach the Job after upstream's 1 s batching.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator

import pytest

from conftest import RunningCluster

from .jobs_support import (
    CONTAINER,
    INDEX_LABEL,
    TRACKING_FINALIZER,
    JobsApi,
    Watch,
    conditions,
    eventually,
    index_of,
    is_active,
    is_true,
    running,
    server_time,
)
from .support import path

NS = "default"


@pytest.fixture
def cluster_config(cluster_config):
    return dataclasses.replace(cluster_config, job_backoff_base_seconds=0.05, job_backoff_cap_seconds=0.2)


@pytest.fixture
def api(cluster: RunningCluster) -> Iterator[JobsApi]:
    client = JobsApi(cluster, NS)
    yield client
    client.close()


# What the controller puts on pods


def test_pods_carry_the_tracking_finalizer_and_a_controller_reference(api):
    job = api.create_job("pi")
    (pod,) = api.wait_active("pi", 1)
    assert pod["metadata"]["finalizers"] == [TRACKING_FINALIZER]
    (ref,) = pod["metadata"]["ownerReferences"]
    assert ref == {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": "pi",
        "uid": job["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert pod["metadata"]["generateName"] == "pi-"


def test_indexed_pods_carry_their_index_hostname_and_env(api):
    api.create_job("idx", completionMode="Indexed", completions=2, parallelism=2)
    pods = sorted(api.wait_active("idx", 2), key=index_of)
    for number, pod in enumerate(pods):
        assert pod["metadata"]["labels"][INDEX_LABEL] == str(number)
        assert pod["metadata"]["annotations"][INDEX_LABEL] == str(number)
        assert pod["metadata"]["generateName"] == f"idx-{number}-"
        assert pod["spec"]["hostname"] == f"idx-{number}"
        (env,) = pod["spec"]["containers"][0]["env"]
        assert env["name"] == "JOB_COMPLETION_INDEX"
        assert env["valueFrom"]["fieldRef"]["fieldPath"] == f"metadata.labels['{INDEX_LABEL}']"


# Completion


def test_non_parallel_job_completes_when_its_pod_succeeds(api):
    api.create_job("once")
    (pod,) = api.wait_active("once", 1)
    api.succeed(pod)
    job = api.wait_finished("once", "Complete")
    status = job["status"]
    assert (status["succeeded"], status["active"], status.get("failed", 0)) == (1, 0, 0)
    assert status["completionTime"] == conditions(job)["Complete"]["lastTransitionTime"]
    assert conditions(job)["Complete"]["reason"] == "CompletionsReached"
    assert conditions(job)["SuccessCriteriaMet"]["status"] == "True"
    assert status["uncountedTerminatedPods"] == {}
    # Counted, so the finalizer is gone; the pod itself stays, Succeeded.
    (kept,) = api.pods("once")
    assert not kept["metadata"].get("finalizers")


def test_fixed_completions_create_pods_until_that_many_succeed(api):
    api.create_job("three", completions=3, parallelism=2)
    first = api.wait_active("three", 2)
    for pod in first:
        api.succeed(pod)
    # Only one more is needed: completions - succeeded caps parallelism.
    (last,) = api.wait_active("three", 1)
    assert last["metadata"]["name"] not in {p["metadata"]["name"] for p in first}
    api.succeed(last)
    job = api.wait_finished("three", "Complete")
    assert job["status"]["succeeded"] == 3
    assert len(api.pods("three")) == 3


def test_indexed_job_runs_every_index_with_at_most_parallelism_active(api, cluster):
    api.create_job("idx", completionMode="Indexed", completions=5, parallelism=2)
    pods: dict[str, dict] = {}
    succeeded: list[int] = []
    most_active = 0
    with Watch(cluster, path(NS, "pods") + "?labelSelector=batch.kubernetes.io/job-name%3Didx") as watch:
        for event in watch.events():
            pod = event["object"]
            name = pod["metadata"]["name"]
            if event["type"] == "DELETED":
                pods.pop(name, None)
            else:
                pods[name] = pod
            active = [p for p in pods.values() if is_active(p)]
            most_active = max(most_active, len(active))
            if event["type"] == "ADDED" and is_active(pod):
                succeeded.append(index_of(pod))
                api.succeed(pod)
            if len(succeeded) == 5:
                break
    job = api.wait_finished("idx", "Complete")
    assert most_active == 2
    assert sorted(succeeded) == [0, 1, 2, 3, 4]
    assert job["status"]["completedIndexes"] == "0-4"
    assert job["status"]["succeeded"] == 5


def test_work_queue_job_makes_no_new_pods_after_the_first_success(api):
    api.create_job("queue", parallelism=2)
    first, second = api.wait_active("queue", 2)
    api.succeed(first)
    job = api.wait_job("queue", lambda j: j["status"].get("succeeded") == 1)
    assert not is_true(job, "Complete")
    assert len(api.pods("queue")) == 2
    assert job["status"]["active"] == 1


def test_work_queue_job_completes_once_a_pod_succeeded_and_all_ended(api):
    api.create_job("queue", parallelism=2)
    first, second = api.wait_active("queue", 2)
    api.succeed(first)
    api.wait_job("queue", lambda j: j["status"].get("succeeded") == 1)
    api.succeed(second)
    job = api.wait_finished("queue", "Complete")
    assert job["status"]["succeeded"] == 2
    assert len(api.pods("queue")) == 2


# Failure


def test_backoff_limit_exceeded_fails_the_job_with_restart_policy_never(api):
    api.create_job("flaky", backoffLimit=1)
    (pod,) = api.wait_active("flaky", 1)
    api.fail(pod)
    # backoffLimit 1 tolerates one failure: a replacement comes (after the pod-failure backoff).
    (replacement,) = api.wait_active("flaky", 1)
    api.fail(replacement)
    job = api.wait_finished("flaky", "Failed")
    failed = conditions(job)["Failed"]
    assert (failed["reason"], failed["message"]) == (
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
    )
    assert conditions(job)["FailureTarget"]["reason"] == "BackoffLimitExceeded"
    assert job["status"]["failed"] == 2
    assert "completionTime" not in job["status"]
    assert any(e["reason"] == "BackoffLimitExceeded" and e["type"] == "Warning" for e in api.events("flaky"))


def test_backoff_limit_exceeded_fails_the_job_through_restarts_with_on_failure(api):
    api.create_job("crashloop", restart_policy="OnFailure", backoffLimit=2)
    (pod,) = api.wait_active("crashloop", 1)
    # The kubelet restarted the container twice in place: restartCount >= backoffLimit fails the Job.
    api.write_pod_status(pod, {"phase": "Running", "containerStatuses": [running(restart_count=2)]})
    job = api.wait_finished("crashloop", "Failed")
    assert conditions(job)["Failed"]["reason"] == "BackoffLimitExceeded"
    # The running pod was deleted and counted as failed.
    assert job["status"]["failed"] == 1
    api.wait_gone(api.pod_url(pod))


def test_active_deadline_exceeded_deletes_the_pods_and_fails_the_job(api):
    api.create_job("slow", parallelism=2, completions=2, activeDeadlineSeconds=1)
    pods = api.wait_active("slow", 2)
    job = api.wait_finished("slow", "Failed")
    failed = conditions(job)["Failed"]
    assert (failed["reason"], failed["message"]) == (
        "DeadlineExceeded",
        "Job was active longer than specified deadline",
    )
    assert (job["status"]["active"], job["status"]["failed"]) == (0, 2)
    for pod in pods:
        assert not api.exists(api.pod_url(pod))
    assert any(e["reason"] == "DeadlineExceeded" for e in api.events("slow"))


def test_pod_failure_policy_fail_job_on_an_exit_code(api):
    rule = {"action": "FailJob", "onExitCodes": {"containerName": CONTAINER, "operator": "In", "values": [42]}}
    api.create_job("strict", parallelism=2, completions=2, podFailurePolicy={"rules": [rule]})
    doomed, other = api.wait_active("strict", 2)
    api.fail(doomed, exit_code=42)
    job = api.wait_finished("strict", "Failed")
    failed = conditions(job)["Failed"]
    assert failed["reason"] == "PodFailurePolicy"
    assert failed["message"] == (
        f"Container {CONTAINER} for pod {NS}/{doomed['metadata']['name']} failed with exit code 42"
        " matching FailJob rule at index 0"
    )
    # The other pod was deleted and counted failed too; backoffLimit (6) was never the reason.
    assert job["status"]["failed"] == 2
    api.wait_gone(api.pod_url(other))


def test_pod_failure_policy_ignore_on_disruption_target_does_not_count_the_failure(api):
    rule = {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}
    api.create_job("tolerant", backoffLimit=0, podFailurePolicy={"rules": [rule]})
    (pod,) = api.wait_active("tolerant", 1)
    api.evict(pod)
    evicted = api.get(api.pod_url(pod))
    assert evicted["metadata"]["deletionTimestamp"]  # the tracking finalizer holds it
    # The kubelet's part: the evicted pod ends Failed, still carrying DisruptionTarget.
    api.fail(evicted, exit_code=137)
    (replacement,) = api.wait_active("tolerant", 1)
    assert replacement["metadata"]["uid"] != pod["metadata"]["uid"]
    api.succeed(replacement)
    job = api.wait_finished("tolerant", "Complete")
    assert job["status"].get("failed", 0) == 0
    assert job["status"]["succeeded"] == 1


# Suspend and resume


def test_suspend_deletes_active_pods_without_counting_them_failed(api):
    api.create_job("paused", parallelism=2, completions=4)
    pods = api.wait_active("paused", 2)
    api.patch_job("paused", {"spec": {"suspend": True}})
    job = api.wait_finished("paused", "Suspended")
    assert conditions(job)["Suspended"]["reason"] == "JobSuspended"
    for pod in pods:
        api.wait_gone(api.pod_url(pod))
    job = api.wait_job("paused", lambda j: j["status"].get("terminating") == 0)
    assert (job["status"]["active"], job["status"].get("failed", 0)) == (0, 0)
    assert api.pods("paused") == []


def test_resume_resets_start_time(api):
    api.create_job("paused", parallelism=1)
    api.wait_active("paused", 1)
    started = api.wait_job("paused", lambda j: "startTime" in j["status"])["status"]["startTime"]
    api.patch_job("paused", {"spec": {"suspend": True}})
    api.wait_finished("paused", "Suspended")

    # startTime has one-second resolution: let the server's clock move past it.
    def later() -> None:
        assert server_time(api) > started

    eventually(later, timeout=3)
    api.patch_job("paused", {"spec": {"suspend": False}})
    job = api.wait_job("paused", lambda j: conditions(j)["Suspended"]["status"] == "False")
    resumed = conditions(job)["Suspended"]
    assert resumed["reason"] == "JobResumed"
    assert job["status"]["startTime"] > started
    assert job["status"]["startTime"] == resumed["lastTransitionTime"]
    api.wait_active("paused", 1)


# Deletion


def test_background_deletion_deletes_the_jobs_pods(api):
    api.create_job("doomed", parallelism=2)
    pods = api.wait_active("doomed", 2)
    api.delete_job("doomed", "Background")
    assert not api.exists(path(NS, "jobs", "doomed"))
    for pod in pods:
        api.wait_gone(api.pod_url(pod))


def test_foreground_deletion_deletes_the_pods_before_the_job(api):
    api.create_job("doomed", parallelism=2)
    pods = api.wait_active("doomed", 2)
    marked = api.delete_job("doomed", "Foreground")
    assert marked["metadata"]["deletionTimestamp"]
    assert "foregroundDeletion" in marked["metadata"]["finalizers"]
    for pod in pods:
        api.wait_gone(api.pod_url(pod))
    api.wait_gone(path(NS, "jobs", "doomed"))


def test_orphan_deletion_keeps_the_pods_and_releases_them(api):
    api.create_job("doomed", parallelism=2)
    pods = api.wait_active("doomed", 2)
    api.delete_job("doomed", "Orphan")
    api.wait_gone(path(NS, "jobs", "doomed"))

    def released() -> list[dict]:
        kept = [api.get(api.pod_url(pod)) for pod in pods]
        for pod in kept:
            assert not pod["metadata"].get("ownerReferences"), pod["metadata"]
            assert TRACKING_FINALIZER not in (pod["metadata"].get("finalizers") or []), pod["metadata"]
        return kept

    kept = eventually(released)
    assert all(not pod["metadata"].get("deletionTimestamp") for pod in kept)


# TTL after finished


def test_ttl_zero_deletes_the_job_right_after_it_finishes(api):
    api.create_job("brief", ttlSecondsAfterFinished=0)
    (pod,) = api.wait_active("brief", 1)
    api.succeed(pod)
    api.wait_gone(path(NS, "jobs", "brief"))
    api.wait_gone(api.pod_url(pod))


def test_ttl_deletes_the_job_that_long_after_it_finished(api, cluster):
    api.create_job("brief", ttlSecondsAfterFinished=1)
    (pod,) = api.wait_active("brief", 1)
    version = api.job("brief")["metadata"]["resourceVersion"]
    url = path(NS, "jobs") + f"?fieldSelector=metadata.name%3Dbrief&resourceVersion={version}"
    with Watch(cluster, url) as watch:
        api.succeed(pod)
        last = None
        for event in watch.events():
            last = event["object"]
            if event["type"] == "DELETED":
                break
    assert last is not None
    completed = conditions(last)["Complete"]["lastTransitionTime"]
    # Deleted with Foreground propagation no sooner than a second after it completed.
    assert last["metadata"]["deletionTimestamp"] >= _plus_one_second(completed)


def _plus_one_second(timestamp: str) -> str:
    moment = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# Events


def test_events_record_pod_creation_and_completion(api):
    api.create_job("noted")
    (pod,) = api.wait_active("noted", 1)
    api.succeed(pod)
    api.wait_finished("noted", "Complete")

    def recorded() -> list[tuple[str, str, str]]:
        found = [(e["type"], e["reason"], e["message"]) for e in api.events("noted")]
        assert ("Normal", "Completed", "Job completed") in found, found
        return found

    found = eventually(recorded)
    assert ("Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}") in found
