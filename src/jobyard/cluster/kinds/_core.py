"""The small core/v1 kinds: Namespace, ServiceAccount, Endpoints, Node."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.errors import Cause

from ._base import Column, ResourceType, metadata_field_labels
from ._causes import invalid, required
from ._names import qualified_name
from ._tables import age_cell, age_column, described, name_column

__all__ = ["ENDPOINTS", "NAMESPACE", "NODE", "SERVICE_ACCOUNT"]

Obj = dict[str, Any]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
STANDARD_FINALIZERS = ("kubernetes", "orphan", "foregroundDeletion")


def _name(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def default_namespace(obj: Obj) -> None:
    name = _name(obj)
    if name:
        obj.setdefault("metadata", {}).setdefault("labels", {})[NAMESPACE_NAME_LABEL] = name
    obj.setdefault("status", {}).setdefault("phase", "Active")


def prepare_namespace_for_create(obj: Obj) -> None:
    """Status Active, and the ``kubernetes`` finalizer the namespace controller removes."""
    obj["status"] = {"phase": "Active"}
    finalizers: list[str] = obj.setdefault("spec", {}).setdefault("finalizers", [])
    if "kubernetes" not in finalizers:
        finalizers.append("kubernetes")
    default_namespace(obj)


def validate_namespace(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    for index, finalizer in enumerate((obj.get("spec") or {}).get("finalizers") or []):
        path = f"spec.finalizers[{index}]"
        causes += [invalid(path, finalizer, message) for message in qualified_name(finalizer)]
        if "/" not in finalizer and finalizer not in STANDARD_FINALIZERS:
            causes.append(
                invalid(path, finalizer, "name is neither a standard finalizer name nor is it fully qualified")
            )
    return causes


def namespace_field_labels(obj: Obj) -> dict[str, str]:
    return {
        "metadata.name": _name(obj),
        "name": _name(obj),
        "status.phase": (obj.get("status") or {}).get("phase", ""),
    }


def namespace_row(obj: Obj, now: float) -> list[Any]:
    return [_name(obj), (obj.get("status") or {}).get("phase", ""), age_cell(obj, now)]


def service_account_row(obj: Obj, now: float) -> list[Any]:
    return [_name(obj), len(obj.get("secrets") or []), age_cell(obj, now)]


def validate_endpoints(obj: Obj, old: Obj | None) -> list[Cause]:
    causes: list[Cause] = []
    for index, subset in enumerate(obj.get("subsets") or []):
        at = f"subsets[{index}]"
        for address_index, address in enumerate(subset.get("addresses") or []):
            if not address.get("ip"):
                causes.append(required(f"{at}.addresses[{address_index}].ip"))
        for port_index, port in enumerate(subset.get("ports") or []):
            number = port.get("port")
            if not isinstance(number, int) or not 1 <= number <= 65535:
                causes.append(
                    invalid(f"{at}.ports[{port_index}].port", number, "must be between 1 and 65535, inclusive")
                )
    return causes


def default_endpoints(obj: Obj) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            port.setdefault("protocol", "TCP")


def endpoints_cell(obj: Obj) -> str:
    """At most three ``ip:port`` pairs, then ``+ N more...``, as kubectl shows them."""
    shown: list[str] = []
    count = 0
    limit = 3
    for subset in obj.get("subsets") or []:
        addresses = [address.get("ip", "") for address in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        targets = [[ip] for ip in addresses] if not ports else [[ip, port] for port in ports for ip in addresses]
        count += len(targets)
        for target in targets:
            if len(shown) < limit:
                ip = target[0]
                if len(target) == 1:
                    shown.append(ip)
                else:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(f"{host}:{target[1].get('port')}")
    if not obj.get("subsets"):
        return "<none>"
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if count > limit else text


def endpoints_row(obj: Obj, now: float) -> list[Any]:
    return [_name(obj), endpoints_cell(obj), age_cell(obj, now)]


def default_node(obj: Obj) -> None:
    status: Obj = obj.get("status") or {}
    if status.get("capacity") and not status.get("allocatable"):
        status["allocatable"] = dict(status["capacity"])


def node_field_labels(obj: Obj) -> dict[str, str]:
    labels = dict(metadata_field_labels(obj))
    labels["spec.unschedulable"] = "true" if (obj.get("spec") or {}).get("unschedulable") else "false"
    return labels


def _node_roles(labels: Obj) -> str:
    roles = set()
    for key, value in labels.items():
        if key.startswith("node-role.kubernetes.io/") and key.removeprefix("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles)) or "<none>"


def _node_address(status: Obj, kind: str) -> str:
    for address in status.get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", "")
    return "<none>"


def node_row(obj: Obj, now: float) -> list[Any]:
    status: Obj = obj.get("status") or {}
    states = []
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            states.append("Ready" if condition.get("status") == "True" else "NotReady")
    states = states[:1] or ["Unknown"]
    if (obj.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    info: Obj = status.get("nodeInfo") or {}
    return [
        _name(obj),
        ",".join(states),
        _node_roles((obj.get("metadata") or {}).get("labels") or {}),
        age_cell(obj, now),
        info.get("kubeletVersion", ""),
        _node_address(status, "InternalIP"),
        _node_address(status, "ExternalIP"),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


_NODE_INFO = "io.k8s.api.core.v1.NodeSystemInfo"

NAMESPACE = ResourceType(
    group="",
    version="v1",
    kind="Namespace",
    plural="namespaces",
    singular="namespace",
    namespaced=False,
    definition="io.k8s.api.core.v1.Namespace",
    short_names=("ns",),
    subresources=("status",),
    default=default_namespace,
    validate=validate_namespace,
    prepare_for_create=prepare_namespace_for_create,
    field_labels=namespace_field_labels,
    columns=(
        name_column(),
        Column("Status", description="The status of the namespace"),
        age_column(),
    ),
    row=namespace_row,
)

SERVICE_ACCOUNT = ResourceType(
    group="",
    version="v1",
    kind="ServiceAccount",
    plural="serviceaccounts",
    singular="serviceaccount",
    namespaced=True,
    definition="io.k8s.api.core.v1.ServiceAccount",
    short_names=("sa",),
    columns=(
        name_column(),
        Column("Secrets", description=described("io.k8s.api.core.v1.ServiceAccount", "secrets")),
        age_column(),
    ),
    row=service_account_row,
)

ENDPOINTS = ResourceType(
    group="",
    version="v1",
    kind="Endpoints",
    plural="endpoints",
    singular="endpoints",
    namespaced=True,
    definition="io.k8s.api.core.v1.Endpoints",
    short_names=("ep",),
    default=default_endpoints,
    validate=validate_endpoints,
    columns=(
        name_column(),
        Column("Endpoints", description=described("io.k8s.api.core.v1.Endpoints", "subsets")),
        age_column(),
    ),
    row=endpoints_row,
)

NODE = ResourceType(
    group="",
    version="v1",
    kind="Node",
    plural="nodes",
    singular="node",
    namespaced=False,
    definition="io.k8s.api.core.v1.Node",
    short_names=("no",),
    subresources=("status",),
    default=default_node,
    field_labels=node_field_labels,
    columns=(
        name_column(),
        Column("Status", description="The status of the node"),
        Column("Roles", description="The roles of the node"),
        age_column(),
        Column("Version", description=described(_NODE_INFO, "kubeletVersion")),
        Column("Internal-IP", priority=1, description="List of addresses reachable to the node"),
        Column("External-IP", priority=1, description="List of addresses reachable to the node"),
        Column("OS-Image", priority=1, description=described(_NODE_INFO, "osImage")),
        Column("Kernel-Version", priority=1, description=described(_NODE_INFO, "kernelVersion")),
        Column("Container-Runtime", priority=1, description=described(_NODE_INFO, "containerRuntimeVersion")),
    ),
    row=node_row,
)
