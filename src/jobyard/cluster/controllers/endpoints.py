"""Endpoints: every Service with a selector lists the pods that serve it, as upstream's endpoints controller.

:func:`desired_endpoints` is pure. A selected pod with an IP that is neither
finished nor terminating is listed under ``addresses`` when Ready (or when
the service publishes not-ready addresses) and under ``notReadyAddresses``
otherwise; each service port is resolved per pod (a named targetPort is
looked up among the pod's container ports, and a pod lacking it is left out
of that port), and named as the service port. The Endpoints object has the
service's name and labels and no ownerReference: the controller deletes it
when the service goes. Services without a selector are left alone, so their
Endpoints can be written by hand.

The node has no cloud load balancer, so a LoadBalancer service's ingress is
the node's own address, where the service proxy answers at the service port.
"""

from __future__ import annotations

import copy
from typing import Any

from jobyard.cluster.errors import AlreadyExists, Conflict, NotFound

from ._runtime import Controller, split_key

__all__ = ["EndpointsController", "desired_endpoints", "desired_load_balancer"]

Obj = dict[str, Any]

# Upstream marks the Endpoints of headless services so that kube-proxy skips them.
HEADLESS_LABEL = "service.kubernetes.io/headless"
_FINISHED_PHASES = ("Succeeded", "Failed")


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def selects(service: Obj, pod: Obj) -> bool:
    selector: dict[str, str] = (service.get("spec") or {}).get("selector") or {}
    labels: dict[str, str] = _meta(pod).get("labels") or {}
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def is_ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def container_port(pod: Obj, service_port: Obj) -> int | None:
    """The pod's port for ``service_port``: its targetPort, by number or by container port name."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    protocol = service_port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                number: int = port["containerPort"]
                return number
    return None


def desired_endpoints(service: Obj, pods: list[Obj]) -> Obj | None:
    """The Endpoints object ``service`` should have, or None when it has no selector (hands off)."""
    spec: Obj = service.get("spec") or {}
    if not spec.get("selector") or spec.get("type") == "ExternalName":
        return None
    meta = _meta(service)
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    service_ports: list[Obj] = spec.get("ports") or []
    # Each address with the ports it serves; addresses serving the same ports share a subset.
    by_address: dict[tuple[str, str], tuple[Obj, bool, frozenset[tuple[str, int, str]]]] = {}
    for pod in pods:
        pod_meta = _meta(pod)
        status: Obj = pod.get("status") or {}
        if (
            not selects(service, pod)
            or pod_meta.get("namespace") != meta.get("namespace")
            or not status.get("podIP")
            or status.get("phase") in _FINISHED_PHASES
            or (pod_meta.get("deletionTimestamp") and not publish_not_ready)
        ):
            continue
        ports = frozenset(
            (port.get("name") or "", number, port.get("protocol") or "TCP")
            for port in service_ports
            if (number := container_port(pod, port)) is not None
        )
        if service_ports and not ports:
            continue
        address = _address(pod, service)
        by_address[(address["ip"], pod_meta.get("uid", ""))] = (address, publish_not_ready or is_ready(pod), ports)
    groups: dict[frozenset[tuple[str, int, str]], Obj] = {}
    for key in sorted(by_address):
        address, ready, ports = by_address[key]
        subset = groups.setdefault(ports, {})
        subset.setdefault("addresses" if ready else "notReadyAddresses", []).append(address)
    subsets = []
    for ports, subset in groups.items():
        if ports:
            subset["ports"] = [
                {"name": name, "port": number, "protocol": protocol} if name else {"port": number, "protocol": protocol}
                for name, number, protocol in sorted(ports)
            ]
        subsets.append(subset)
    labels = dict(meta.get("labels") or {})
    if spec.get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    endpoints: Obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": meta.get("name", ""), "namespace": meta.get("namespace", "")},
        "subsets": subsets,
    }
    if labels:
        endpoints["metadata"]["labels"] = labels
    return endpoints


def _address(pod: Obj, service: Obj) -> Obj:
    pod_meta = _meta(pod)
    pod_spec: Obj = pod.get("spec") or {}
    address: Obj = {
        "ip": pod["status"]["podIP"],
        "targetRef": {
            "kind": "Pod",
            "namespace": pod_meta.get("namespace", ""),
            "name": pod_meta.get("name", ""),
            "uid": pod_meta.get("uid", ""),
        },
    }
    if pod_spec.get("nodeName"):
        address["nodeName"] = pod_spec["nodeName"]
    # Upstream names an address only for the service of the pod's own subdomain (DNS A records per pod).
    if pod_spec.get("hostname") and pod_spec.get("subdomain") == _meta(service).get("name"):
        address["hostname"] = pod_spec["hostname"]
    return address


def desired_load_balancer(service: Obj, node_ip: str) -> Obj:
    """``status.loadBalancer``: the node's address for a LoadBalancer service, nothing for the other types."""
    if (service.get("spec") or {}).get("type") == "LoadBalancer":
        return {"ingress": [{"ip": node_ip}]}
    return {}


def _lists_pod(endpoints: Obj, pod_name: str) -> bool:
    return any(
        (address.get("targetRef") or {}).get("name") == pod_name
        for subset in endpoints.get("subsets") or []
        for address in (subset.get("addresses") or []) + (subset.get("notReadyAddresses") or [])
    )


def _same_content(current: Obj, desired: Obj) -> bool:
    return (current.get("subsets") or []) == desired["subsets"] and (_meta(current).get("labels") or {}) == desired[
        "metadata"
    ].get("labels", {})


class EndpointsController(Controller):
    name = "endpoint"
    watched = ("services", "pods", "endpoints")
    workers = 4

    def __init__(self, client: Any, node_ip: str) -> None:
        super().__init__(client)
        self.node_ip = node_ip

    def keys_for(self, resource: str, obj: Obj) -> list[str]:
        """A pod event touches the services selecting it now, and those whose Endpoints still list it
        (it may have been relabelled out of them)."""
        if resource != "pods":
            return super().keys_for(resource, obj)
        meta = _meta(obj)
        namespace = meta.get("namespace", "")
        names = {
            _meta(service).get("name", "")
            for service in self.client.peek_all("services", namespace)
            if selects(service, obj)
        }
        names |= {
            _meta(endpoints).get("name", "")
            for endpoints in self.client.peek_all("endpoints", namespace)
            if _lists_pod(endpoints, meta.get("name", ""))
        }
        return [f"{namespace}/{name}" for name in sorted(names)]

    async def reconcile(self, key: str) -> float | None:
        namespace, name = split_key(key)
        service = self.client.find("services", namespace, name)
        if service is None:
            try:
                self.client.delete("endpoints", namespace, name)
            except NotFound:
                pass
            return None
        self._sync_load_balancer(service)
        desired = desired_endpoints(service, list(self.client.peek_all("pods", namespace)))
        if desired is None:
            return None
        current = self.client.find("endpoints", namespace, name)
        try:
            if current is None:
                self.client.create("endpoints", namespace, desired)
            elif not _same_content(current, desired):
                current["subsets"] = desired["subsets"]
                current["metadata"]["labels"] = desired["metadata"].get("labels", {})
                self.client.update("endpoints", current)
        except (AlreadyExists, Conflict):
            # Someone wrote it meanwhile; reconcile against what is there now.
            return 0
        return None

    def _sync_load_balancer(self, service: Obj) -> None:
        status: Obj = service.get("status") or {}
        wanted = desired_load_balancer(service, self.node_ip)
        if (status.get("loadBalancer") or {}) == wanted:
            return
        updated = copy.deepcopy(service)
        updated.setdefault("status", {})["loadBalancer"] = wanted
        self.client.update("services", updated, subresource="status")
