"""job_status: one case per rule, named after it; each passes a Job and its pods and checks (code, reason)."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from jobyard.console.jobs import StatusCode, job_status

from .builders import (
    condition,
    deleting,
    exited,
    job,
    pod,
    running_container,
    started,
    suspended,
    terminating,
    unschedulable,
    waiting,
    with_conditions,
)

W, E, C, F, S, D, X = (
    StatusCode.WAITING,
    StatusCode.EXECUTING,
    StatusCode.COMPLETED,
    StatusCode.FAILED,
    StatusCode.SUSPENDED,
    StatusCode.DELETING,
    StatusCode.EXCEPTION,
)
INDEXED = {"completionMode": "Indexed", "completions": 3, "parallelism": 3}


class Case(NamedTuple):
    job: dict[str, Any]
    pods: list[dict[str, Any]]
    code: StatusCode
    reason: str | None = None
    cluster_reachable: bool = True


def failed_with(reason: str) -> dict[str, Any]:
    return with_conditions(started(job(), failed=7), condition("FailureTarget", reason), condition("Failed", reason))


CASES = {
    # Waiting: nothing has run yet
    "a new Job without pods is waiting": Case(job(), [], W),
    "a pending pod without a reason is waiting": Case(started(job()), [pod("Pending")], W),
    "a container being created is waiting with that reason": Case(
        started(job()), [pod("Pending", containerStatuses=[waiting("ContainerCreating")])], W, "ContainerCreating"
    ),
    "an init container still running keeps the pod waiting": Case(
        started(job()), [pod("Pending", initContainerStatuses=[waiting("PodInitializing")])], W, "PodInitializing"
    ),
    "a pod held by a scheduling gate is waiting": Case(
        started(job()),
        [pod("Pending", conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}])],
        W,
        "SchedulingGated",
    ),
    "a resumed Job whose Suspended condition still lags is waiting": Case(
        with_conditions(job(), condition("Suspended", "JobSuspended")), [], W
    ),
    # Executing
    "a running pod makes the Job executing": Case(
        started(job(), active=1), [pod("Running", containerStatuses=[running_container()])], E
    ),
    "between a failed pod and its replacement the Job is executing": Case(
        started(job(), failed=1), [pod("Failed", containerStatuses=[exited(1)])], E
    ),
    "a pending replacement after a success is executing": Case(
        started(job(completions=2), succeeded=1), [pod("Succeeded"), pod("Pending", name="job-01-second")], E
    ),
    "running indexes of an Indexed Job are executing": Case(
        started(job(**INDEXED), active=3), [pod("Running", name=f"job-01-{i}", index=i) for i in range(3)], E
    ),
    # Completed
    "Complete makes it completed with the condition's reason": Case(
        with_conditions(
            started(job(), succeeded=1),
            condition("SuccessCriteriaMet", "CompletionsReached"),
            condition("Complete", "CompletionsReached"),
        ),
        [pod("Succeeded")],
        C,
        "CompletionsReached",
    ),
    "Complete without a reason (clusters before v1.31) is completed": Case(
        with_conditions(started(job(), succeeded=1), condition("Complete")), [], C
    ),
    "SuccessCriteriaMet alone is completed while the last pods terminate": Case(
        with_conditions(started(job(**INDEXED), succeeded=2), condition("SuccessCriteriaMet", "SuccessPolicy")),
        [terminating(pod("Running", name="job-01-2", index=2))],
        C,
        "SuccessPolicy",
    ),
    "an Indexed Job with every index done is completed": Case(
        with_conditions(
            started(job(**INDEXED), succeeded=3, completedIndexes="0-2"), condition("Complete", "CompletionsReached")
        ),
        [pod("Succeeded", name=f"job-01-{i}", index=i) for i in range(3)],
        C,
        "CompletionsReached",
    ),
    "a suspended Job that completed is completed": Case(
        suspended(with_conditions(started(job(), succeeded=1), condition("Complete", "CompletionsReached"))),
        [],
        C,
        "CompletionsReached",
    ),
    # Failed, with the reason
    "too many failures fail it with BackoffLimitExceeded": Case(
        failed_with("BackoffLimitExceeded"), [pod("Failed")], F, "BackoffLimitExceeded"
    ),
    "the timeout fails it with DeadlineExceeded": Case(failed_with("DeadlineExceeded"), [], F, "DeadlineExceeded"),
    "a FailJob rule fails it with PodFailurePolicy": Case(failed_with("PodFailurePolicy"), [], F, "PodFailurePolicy"),
    "too many failed indexes fail it with MaxFailedIndexesExceeded": Case(
        failed_with("MaxFailedIndexesExceeded"), [], F, "MaxFailedIndexesExceeded"
    ),
    "an Indexed Job with a failed index fails with FailedIndexes": Case(
        with_conditions(
            started(job(**INDEXED, backoffLimitPerIndex=0), succeeded=2, failedIndexes="1"),
            condition("Failed", "FailedIndexes"),
        ),
        [],
        F,
        "FailedIndexes",
    ),
    "FailureTarget alone is failed while the pods terminate": Case(
        with_conditions(started(job(), failed=1), condition("FailureTarget", "DeadlineExceeded")),
        [terminating(pod("Running"))],
        F,
        "DeadlineExceeded",
    ),
    "Failed on an old cluster (no FailureTarget) is failed": Case(
        with_conditions(started(job()), condition("Failed", "BackoffLimitExceeded")), [], F, "BackoffLimitExceeded"
    ),
    # Suspended
    "a Job created suspended is suspended": Case(
        suspended(with_conditions(job(), condition("Suspended", "JobSuspended"))), [], S, "JobSuspended"
    ),
    "a Job just suspended with its pods still active is suspended": Case(
        suspended(started(job(parallelism=2, completions=4), active=2)),
        [pod("Running", name=f"job-01-{i}", containerStatuses=[running_container()]) for i in range(2)],
        S,
    ),
    "a suspended Job with a stuck pod is suspended, not an exception": Case(
        suspended(with_conditions(started(job()), condition("Suspended", "JobSuspended"))),
        [terminating(pod("Pending", containerStatuses=[waiting("ImagePullBackOff")]))],
        S,
        "JobSuspended",
    ),
    # Deleting
    "a deletionTimestamp means deleting": Case(deleting(started(job(), active=1)), [pod("Running")], D),
    "a finished Job being deleted is deleting": Case(
        deleting(with_conditions(started(job()), condition("Complete", "CompletionsReached"))), [], D
    ),
    # Exception, with the reason
    "an image that cannot be pulled is ImagePullBackOff": Case(
        started(job()),
        [pod("Pending", containerStatuses=[waiting("ImagePullBackOff", "Back-off pulling")])],
        X,
        "ImagePullBackOff",
    ),
    "a failed pull is ErrImagePull": Case(
        started(job()), [pod("Pending", containerStatuses=[waiting("ErrImagePull")])], X, "ErrImagePull"
    ),
    "a container that keeps crashing is CrashLoopBackOff": Case(
        started(job(), active=1),
        [pod("Running", containerStatuses=[waiting("CrashLoopBackOff")])],
        X,
        "CrashLoopBackOff",
    ),
    "a missing ConfigMap is CreateContainerConfigError": Case(
        started(job()),
        [pod("Pending", containerStatuses=[waiting("CreateContainerConfigError", 'configmap "x" not found')])],
        X,
        "CreateContainerConfigError",
    ),
    "a stuck init container is an exception too": Case(
        started(job()),
        [pod("Pending", initContainerStatuses=[waiting("ErrImagePull", name="init")])],
        X,
        "ErrImagePull",
    ),
    "a pod no node can take is Unschedulable": Case(
        started(job()), [pod("Pending", conditions=[unschedulable()])], X, "Unschedulable"
    ),
    "a pod whose node stopped reporting is an exception": Case(
        started(job(), active=1), [pod("Unknown", reason="NodeLost")], X, "NodeLost"
    ),
    "a pod in Unknown without a reason is PodStatusUnknown": Case(
        started(job(), active=1), [pod("Unknown")], X, "PodStatusUnknown"
    ),
    "one stuck pod beside a running one makes the Job an exception": Case(
        started(job(parallelism=2, completions=2), active=2),
        [pod("Running", name="a"), pod("Pending", name="b", containerStatuses=[waiting("ImagePullBackOff")])],
        X,
        "ImagePullBackOff",
    ),
    "a stuck index of an Indexed Job is an exception": Case(
        started(job(**INDEXED), active=3),
        [
            pod("Running", name="job-01-0", index=0),
            pod("Pending", name="job-01-1", index=1, conditions=[unschedulable()]),
        ],
        X,
        "Unschedulable",
    ),
    "an unreachable cluster is an exception whatever the Job says": Case(
        with_conditions(started(job()), condition("Complete", "CompletionsReached")),
        [],
        X,
        "ClusterUnreachable",
        cluster_reachable=False,
    ),
    # What is looked past
    "a terminating pod's troubles do not count": Case(
        started(job()), [terminating(pod("Pending", containerStatuses=[waiting("ImagePullBackOff")]))], W
    ),
    "a finished pod's stale waiting state does not count": Case(
        started(job(), failed=1), [pod("Failed", containerStatuses=[waiting("CrashLoopBackOff")])], E
    ),
    "a transient waiting reason is not an exception": Case(
        started(job(), active=1), [pod("Running", containerStatuses=[waiting("ContainerCreating")])], E
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_job_status(case: Case) -> None:
    status = job_status(case.job, case.pods, cluster_reachable=case.cluster_reachable)
    assert (status.code, status.reason) == (case.code, case.reason)


def test_every_status_and_listed_reason_has_a_case() -> None:
    codes = {case.code for case in CASES.values()}
    reasons = {case.reason for case in CASES.values()}
    assert codes == set(StatusCode)
    assert {"BackoffLimitExceeded", "DeadlineExceeded", "PodFailurePolicy", "MaxFailedIndexesExceeded"} <= reasons
    assert {"ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "CreateContainerConfigError"} <= reasons
    assert {"Unschedulable", "ClusterUnreachable"} <= reasons


def test_a_failed_job_carries_the_clusters_message() -> None:
    failed = with_conditions(
        started(job()), condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
    )
    assert job_status(failed, []).message == "Job was active longer than specified deadline"


def test_an_exception_names_the_pod_and_container() -> None:
    stuck = pod("Pending", name="job-01-x", containerStatuses=[waiting("ErrImagePull", "manifest unknown", name="app")])
    assert job_status(started(job()), [stuck]).message == "job-01-x/app: manifest unknown"


def test_unschedulable_carries_the_schedulers_message() -> None:
    status = job_status(started(job()), [pod("Pending", name="p", conditions=[unschedulable("0/3 nodes")])])
    assert status.message == "p: 0/3 nodes"
