"""A pod's status from what its worker knows: container states, phase and conditions as the kubelet reports them.

Pure: the worker keeps :class:`ContainerState` per container and calls
:func:`pod_status`, which follows upstream's ``getPhase`` and status manager.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobyard.cluster.clock import format_time

__all__ = ["KUBELET_CONDITIONS", "ContainerState", "PodState", "Terminated", "pod_phase", "pod_status"]

Obj = dict[str, Any]

# Conditions the kubelet owns; others (DisruptionTarget, readiness gates) are kept as they are.
KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")


@dataclass(frozen=True)
class Terminated:
    exit_code: int
    reason: str
    started_at: float
    finished_at: float
    message: str = ""
    signal: int | None = None
    container_id: str = ""

    def as_status(self) -> Obj:
        state: Obj = {
            "exitCode": self.exit_code,
            "reason": self.reason,
            "startedAt": format_time(self.started_at),
            "finishedAt": format_time(self.finished_at),
        }
        if self.message:
            state["message"] = self.message
        if self.signal:
            state["signal"] = self.signal
        if self.container_id:
            state["containerID"] = self.container_id
        return state


@dataclass
class ContainerState:
    name: str
    image: str
    image_id: str = ""
    container_id: str = ""
    restart_count: int = 0
    # (reason, message) while not running; ("ContainerCreating", "") before the first start.
    waiting: tuple[str, str] | None = ("ContainerCreating", "")
    running_since: float | None = None
    terminated: Terminated | None = None
    last_terminated: Terminated | None = None
    ready: bool = False
    started: bool = False

    def as_status(self) -> Obj:
        state: Obj
        if self.running_since is not None:
            state = {"running": {"startedAt": format_time(self.running_since)}}
        elif self.terminated is not None:
            state = {"terminated": self.terminated.as_status()}
        else:
            reason, message = self.waiting or ("ContainerCreating", "")
            state = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
        status: Obj = {
            "name": self.name,
            "state": state,
            "lastState": {"terminated": self.last_terminated.as_status()} if self.last_terminated else {},
            "ready": self.ready,
            "restartCount": self.restart_count,
            "image": self.image,
            "imageID": self.image_id,
            "started": self.started,
        }
        if self.container_id:
            status["containerID"] = self.container_id
        return status

    @property
    def never_ran(self) -> bool:
        return self.running_since is None and self.terminated is None and self.last_terminated is None


@dataclass
class PodState:
    init: list[ContainerState]
    containers: list[ContainerState]
    pod_ip: str = ""
    host_ip: str = ""
    start_time: float | None = None
    sandbox_ready: bool = False
    # Set when the kubelet itself ends the pod (activeDeadlineSeconds, eviction): phase Failed with this reason.
    failed_reason: tuple[str, str] | None = None
    # The node stopped the pod (deletion, deadline): no container restarts, so the phase is final.
    stopped_by_kubelet: bool = False
    transitions: dict[str, tuple[str, float]] = field(default_factory=dict)


def _init_done(state: PodState) -> bool:
    return all(c.terminated is not None and c.terminated.exit_code == 0 for c in state.init)


def pod_phase(state: PodState, restart_policy: str) -> str:
    """Upstream's getPhase over the init and app containers."""
    if state.failed_reason is not None:
        return "Failed"
    for init in state.init:
        if init.terminated is not None and init.terminated.exit_code == 0:
            continue
        if init.terminated is not None and restart_policy == "Never":
            return "Failed"
        return "Pending"
    waiting = running = stopped = succeeded = 0
    for container in state.containers:
        if container.running_since is not None:
            running += 1
        elif container.terminated is not None:
            stopped += 1
            succeeded += container.terminated.exit_code == 0
        elif container.last_terminated is not None:
            # Waiting to restart after it ran: counts as stopped, as upstream does.
            stopped += 1
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if state.stopped_by_kubelet:
        return "Succeeded" if stopped == succeeded else "Failed"
    if restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    if restart_policy == "Never":
        return "Failed"
    # OnFailure: a failed container is restarting.
    return "Running"


def _condition(state: PodState, kind: str, ok: bool, now: float, reason: str = "", message: str = "") -> Obj:
    status = "True" if ok else "False"
    previous = state.transitions.get(kind)
    if previous is None or previous[0] != status:
        state.transitions[kind] = (status, now)
    condition: Obj = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": format_time(state.transitions[kind][1]),
    }
    if not ok and reason:
        condition["reason"] = reason
        if message:
            condition["message"] = message
    return condition


def pod_status(pod: Obj, state: PodState, now: float) -> Obj:
    """The ``status`` the kubelet writes for ``pod``, keeping conditions it does not own."""
    spec: Obj = pod.get("spec") or {}
    restart_policy = spec.get("restartPolicy", "Always")
    phase = pod_phase(state, restart_policy)
    terminal = phase in ("Succeeded", "Failed")
    init_done = _init_done(state)
    pending_init = [c.name for c in state.init if not (c.terminated is not None and c.terminated.exit_code == 0)]
    unready = [c.name for c in state.containers if not c.ready]
    ready_reason = "PodCompleted" if terminal else "ContainersNotReady"
    ready_message = "" if terminal else f"containers with unready status: [{' '.join(unready)}]"
    initialized_message = f"containers with incomplete status: [{' '.join(pending_init)}]"
    conditions = [
        _condition(state, "PodReadyToStartContainers", state.sandbox_ready and not terminal, now),
        _condition(
            state,
            "Initialized",
            init_done,
            now,
            "PodCompleted" if terminal else "ContainersNotInitialized",
            "" if terminal else initialized_message,
        ),
        _condition(state, "Ready", not unready and not terminal, now, ready_reason, ready_message),
        _condition(state, "ContainersReady", not unready and not terminal, now, ready_reason, ready_message),
        _condition(state, "PodScheduled", True, now),
    ]
    kept = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
    status: Obj = {
        "phase": phase,
        "conditions": conditions + kept,
        "hostIP": state.host_ip,
        "hostIPs": [{"ip": state.host_ip}] if state.host_ip else [],
        "podIP": state.pod_ip,
        "podIPs": [{"ip": state.pod_ip}] if state.pod_ip else [],
        "startTime": format_time(state.start_time) if state.start_time is not None else None,
        "containerStatuses": [c.as_status() for c in state.containers],
        "qosClass": (pod.get("status") or {}).get("qosClass"),
    }
    if state.init:
        status["initContainerStatuses"] = [c.as_status() for c in state.init]
    if state.failed_reason is not None:
        status["reason"], status["message"] = state.failed_reason
    return status
