"""The Pod kind: defaults, create-time status, the update rule, selectors, table."""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from typing import Any

from jobyard.cluster.errors import Cause

from ._age import human_duration, parse_timestamp
from ._base import Column, ResourceType
from ._causes import forbidden, invalid, non_negative
from ._names import dns1123_subdomain
from ._podspec import default_pod_spec, validate_pod_spec
from ._quantity import QuantityError, parse_quantity
from ._tables import age_cell, age_column, described, name_column

__all__ = ["POD", "pod_qos_class", "pod_status_reason"]

Obj = dict[str, Any]

POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)
_QOS_RESOURCES = ("cpu", "memory")


def default_pod(obj: Obj) -> None:
    spec: Obj = obj.setdefault("spec", {})
    default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    # Upstream the ServiceAccount admission plugin fills this in, not defaulting.
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            resources: Obj = container.setdefault("resources", {})
            limits: Obj = resources.get("limits") or {}
            if limits:
                requests: Obj = resources.setdefault("requests", {})
                for name, quantity in limits.items():
                    requests.setdefault(name, quantity)


def prepare_pod_for_create(obj: Obj) -> None:
    obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj.get("spec") or {})}


def _qos_quantities(values: Obj) -> dict[str, Decimal]:
    found = {}
    for name in _QOS_RESOURCES:
        if name in values:
            try:
                quantity = parse_quantity(str(values[name]))
            except QuantityError:
                continue
            if quantity > 0:
                found[name] = quantity
    return found


def pod_qos_class(spec: Obj) -> str:
    """Guaranteed, Burstable or BestEffort, from cpu and memory requests and limits."""
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        resources: Obj = container.get("resources") or {}
        for name, quantity in _qos_quantities(resources.get("requests") or {}).items():
            requests[name] = requests.get(name, Decimal(0)) + quantity
        container_limits = _qos_quantities(resources.get("limits") or {})
        for name, quantity in container_limits.items():
            limits[name] = limits.get(name, Decimal(0)) + quantity
        if set(container_limits) != set(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(name) == value for name, value in requests.items()):
        if len(requests) == len(limits):
            return "Guaranteed"
    return "Burstable"


def validate_pod(obj: Obj, old: Obj | None) -> list[Cause]:
    spec: Obj = obj.get("spec") or {}
    causes = validate_pod_spec(spec, "spec")
    for key in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(key) or []):
            image = container.get("image") or ""
            if image != image.strip():
                causes.append(
                    invalid(f"spec.{key}[{index}].image", image, "must not have leading or trailing whitespace")
                )
    if old is not None:
        causes += _validate_pod_update(spec, old.get("spec") or {})
    return causes


def _validate_pod_update(spec: Obj, old_spec: Obj) -> list[Cause]:
    causes: list[Cause] = []
    deadline, old_deadline = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if deadline is None and old_deadline is not None:
        causes.append(
            invalid("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value")
        )
    elif deadline is not None and old_deadline is not None and deadline > old_deadline:
        causes.append(invalid("spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"))
    old_tolerations = old_spec.get("tolerations") or []
    if any(toleration not in (spec.get("tolerations") or []) for toleration in old_tolerations):
        causes.append(
            forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")
        )
    if _without_mutable_fields(spec, old_spec) != _without_mutable_fields(old_spec, old_spec):
        causes.append(forbidden("spec", POD_UPDATE_FORBIDDEN))
    return causes


_MUTABLE_SPEC_FIELDS = frozenset({"activeDeadlineSeconds", "tolerations", "schedulingGates"})


def _without_mutable_fields(spec: Obj, old_spec: Obj) -> Obj:
    """The spec with everything a pod update may change blanked out."""
    # Shallow copies of what changes: the result is compared, never written.
    trimmed = {key: value for key, value in spec.items() if key not in _MUTABLE_SPEC_FIELDS}
    for key in ("initContainers", "containers"):
        if isinstance(trimmed.get(key), list):
            trimmed[key] = [
                {name: value for name, value in container.items() if name != "image"}
                if isinstance(container, dict)
                else container
                for container in trimmed[key]
            ]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and trimmed.get("terminationGracePeriodSeconds") == 1:
        trimmed["terminationGracePeriodSeconds"] = old_grace
    return trimmed


def validate_pod_status(obj: Obj, old: Obj | None) -> list[Cause]:
    status: Obj = obj.get("status") or {}
    causes: list[Cause] = []
    nominated = status.get("nominatedNodeName") or ""
    if nominated:
        causes += [invalid("status.nominatedNodeName", nominated, message) for message in dns1123_subdomain(nominated)]
    for key in ("podIPs", "hostIPs"):
        for index, entry in enumerate(status.get(key) or []):
            address = entry.get("ip") or ""
            if not _is_ip(address):
                causes.append(invalid(f"status.{key}[{index}].ip", address, "must be a valid IP address"))
    for key in ("initContainerStatuses", "containerStatuses"):
        for index, container in enumerate(status.get(key) or []):
            causes += non_negative(f"status.{key}[{index}].restartCount", container.get("restartCount"))
    return causes


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def pod_field_labels(obj: Obj) -> dict[str, str]:
    meta: Obj = obj.get("metadata") or {}
    spec: Obj = obj.get("spec") or {}
    status: Obj = obj.get("status") or {}
    pod_ips = status.get("podIPs") or []
    return {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "spec.nodeName": spec.get("nodeName", ""),
        "spec.restartPolicy": spec.get("restartPolicy", ""),
        "spec.schedulerName": spec.get("schedulerName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""),
        "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
        "status.phase": status.get("phase", ""),
        "status.podIP": pod_ips[0].get("ip", "") if pod_ips else status.get("podIP", ""),
        "status.nominatedNodeName": status.get("nominatedNodeName", ""),
    }


def _restartable(container: Obj | None) -> bool:
    return container is not None and container.get("restartPolicy") == "Always"


def _last_termination(container_status: Obj) -> float | None:
    finished = ((container_status.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
    return parse_timestamp(finished) if finished else None


def _terminated_reason(terminated: Obj, prefix: str) -> str:
    if terminated.get("reason"):
        return prefix + terminated["reason"]
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _condition_true(status: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


def pod_status_reason(obj: Obj) -> tuple[str, int, int, int, float | None]:
    """What kubectl shows for a pod: (STATUS, ready, total, restarts, last restart time)."""
    spec: Obj = obj.get("spec") or {}
    status: Obj = obj.get("status") or {}
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs.values() if _restartable(c))
    ready = restarts = sidecar_restarts = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None
    reason = status.get("reason") or status.get("phase") or ""
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for index, container in enumerate(init_statuses):
        restarts += container.get("restartCount", 0)
        finished = _last_termination(container)
        if finished is not None:
            last_restart = max(last_restart or finished, finished)
        sidecar = _restartable(init_specs.get(container.get("name")))
        if sidecar:
            sidecar_restarts += container.get("restartCount", 0)
            if finished is not None:
                last_sidecar_restart = max(last_sidecar_restart or finished, finished)
        state: Obj = container.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and container.get("started"):
            ready += 1 if container.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(status, "Initialized"):
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for container in reversed(status.get("containerStatuses") or []):
            restarts += container.get("restartCount", 0)
            finished = _last_termination(container)
            if finished is not None:
                last_restart = max(last_restart or finished, finished)
            state = container.get("state") or {}
            waiting, terminated = state.get("waiting") or {}, state.get("terminated")
            if waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    deleting = bool((obj.get("metadata") or {}).get("deletionTimestamp"))
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and status.get("phase") not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def pod_row(obj: Obj, now: float) -> list[Any]:
    reason, ready, total, restarts, last_restart = pod_status_reason(obj)
    restarts_cell = str(restarts)
    if restarts and last_restart is not None:
        restarts_cell = f"{restarts} ({human_duration(now - last_restart)} ago)"
    spec: Obj = obj.get("spec") or {}
    status: Obj = obj.get("status") or {}
    pod_ips = status.get("podIPs") or []
    gates = spec.get("readinessGates") or []
    gates_cell = "<none>"
    if gates:
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        passed = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
        gates_cell = f"{passed}/{len(gates)}"
    return [
        (obj.get("metadata") or {}).get("name", ""),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        age_cell(obj, now),
        (pod_ips[0].get("ip") if pod_ips else "") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_cell,
    ]


_POD_STATUS = "io.k8s.api.core.v1.PodStatus"
_POD_SPEC = "io.k8s.api.core.v1.PodSpec"

POD = ResourceType(
    group="",
    version="v1",
    kind="Pod",
    plural="pods",
    singular="pod",
    namespaced=True,
    definition="io.k8s.api.core.v1.Pod",
    short_names=("po",),
    categories=("all",),
    subresources=("status", "binding", "eviction", "log"),
    default=default_pod,
    validate=validate_pod,
    validate_status=validate_pod_status,
    prepare_for_create=prepare_pod_for_create,
    field_labels=pod_field_labels,
    columns=(
        name_column(),
        Column("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
        Column("Status", description="The aggregate status of the containers in this pod."),
        Column(
            "Restarts",
            description="The number of times the containers in this pod have been restarted "
            "and when the last container in this pod has restarted.",
        ),
        age_column(),
        Column("IP", priority=1, description=described(_POD_STATUS, "podIP")),
        Column("Node", priority=1, description=described(_POD_SPEC, "nodeName")),
        Column("Nominated Node", priority=1, description=described(_POD_STATUS, "nominatedNodeName")),
        Column("Readiness Gates", priority=1, description=described(_POD_SPEC, "readinessGates")),
    ),
    row=pod_row,
)
