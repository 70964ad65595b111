"""Pod phase and conditions from container states, as upstream's getPhase and status manager."""

from __future__ import annotations

from jobyard.cluster.node.kubelet._status import ContainerState, PodState, Terminated, pod_phase, pod_status
from jobyard.cluster.node.kubelet._worker import backoff_delay


def done(code: int) -> Terminated:
    return Terminated(code, "Completed" if code == 0 else "Error", 1.0, 2.0)


def state(*containers: ContainerState, init: tuple[ContainerState, ...] = ()) -> PodState:
    return PodState(
        init=list(init), containers=list(containers), pod_ip="10.88.0.2", host_ip="10.0.0.1", start_time=1.0
    )


def running(name: str = "main") -> ContainerState:
    return ContainerState(name, "busybox", waiting=None, running_since=1.0)


def ended(code: int, name: str = "main") -> ContainerState:
    return ContainerState(name, "busybox", waiting=None, terminated=done(code))


def test_waiting_containers_keep_the_pod_pending():
    assert pod_phase(state(ContainerState("main", "busybox")), "Never") == "Pending"


def test_running_and_finished_phases():
    assert pod_phase(state(running()), "Never") == "Running"
    assert pod_phase(state(ended(0)), "Never") == "Succeeded"
    assert pod_phase(state(ended(1)), "Never") == "Failed"
    assert pod_phase(state(ended(0), ended(1, "b")), "OnFailure") == "Running"
    assert pod_phase(state(ended(0)), "Always") == "Running"


def test_a_container_waiting_to_restart_counts_as_stopped():
    restarting = ContainerState("main", "busybox", waiting=("CrashLoopBackOff", ""), last_terminated=done(1))
    assert pod_phase(state(restarting), "OnFailure") == "Running"


def test_init_containers_gate_the_app_containers():
    assert pod_phase(state(ContainerState("main", "x"), init=(running("init"),)), "Never") == "Pending"
    assert pod_phase(state(ContainerState("main", "x"), init=(ended(2, "init"),)), "Never") == "Failed"
    assert pod_phase(state(ContainerState("main", "x"), init=(ended(2, "init"),)), "OnFailure") == "Pending"


def test_a_pod_the_node_stopped_ends_by_its_exit_codes():
    stopped = state(ended(143))
    stopped.stopped_by_kubelet = True
    assert pod_phase(stopped, "OnFailure") == "Failed"


def test_deadline_fails_the_pod_with_its_reason():
    failed = state(running())
    failed.failed_reason = ("DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
    status = pod_status({"spec": {"restartPolicy": "Never"}}, failed, 5.0)
    assert (status["phase"], status["reason"]) == ("Failed", "DeadlineExceeded")


def test_conditions_and_statuses():
    pod = {
        "spec": {"restartPolicy": "Never"},
        "status": {"conditions": [{"type": "DisruptionTarget", "status": "True"}], "qosClass": "BestEffort"},
    }
    ready = running()
    ready.ready = True
    status = pod_status(pod, state(ready, running("side")), 3.0)
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["status"] == "False"
    assert conditions["Ready"]["message"] == "containers with unready status: [side]"
    assert conditions["DisruptionTarget"]["status"] == "True"
    assert status["podIP"] == "10.88.0.2" and status["podIPs"] == [{"ip": "10.88.0.2"}]
    assert status["containerStatuses"][0]["state"] == {"running": {"startedAt": "1970-01-01T00:00:01Z"}}
    finished = pod_status(pod, state(ended(0)), 4.0)
    conditions = {c["type"]: c for c in finished["conditions"]}
    assert conditions["Ready"]["reason"] == "PodCompleted"
    assert finished["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_restart_backoff_is_immediate_then_doubles_to_the_cap():
    assert [backoff_delay(n, 10, 300) for n in range(7)] == [0, 10, 20, 40, 80, 160, 300]
