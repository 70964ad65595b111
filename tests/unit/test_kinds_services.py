from __future__ import annotations

import copy
from typing import Any

import pytest

from jobyard.cluster.kinds import SERVICE, allocate_cluster_ip


def service(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2024-05-01T10:00:00Z"},
        "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}, **spec},
    }
    SERVICE.default(body)
    return body


def test_defaults() -> None:
    spec = service()["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"], spec["internalTrafficPolicy"]) == (
        "SingleStack",
        ["IPv4"],
        "Cluster",
    )


def test_defaulting_is_idempotent() -> None:
    body = service(type="NodePort")
    again = copy.deepcopy(body)
    SERVICE.default(again)
    assert again == body


RULES = [
    pytest.param({"ports": []}, "spec.ports: Required value", id="ports are required unless headless"),
    pytest.param(
        {"ports": [{"port": 0}]},
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        id="ports are 1-65535",
    ),
    pytest.param(
        {"ports": [{"port": 80, "name": "a"}, {"port": 81}]},
        "spec.ports[1].name: Required value",
        id="every port is named when there are several",
    ),
    pytest.param(
        {"ports": [{"port": 80, "name": "a"}, {"port": 81, "name": "a"}]},
        'spec.ports[1].name: Duplicate value: "a"',
        id="port names are unique",
    ),
    pytest.param(
        {"type": "Magic"},
        'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
        id="type is a supported one",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), RULES)
def test_rules(spec: dict[str, Any], expected: str) -> None:
    assert expected in [cause.detail() for cause in SERVICE.validate(service(**spec), None)]


def test_headless_service_needs_no_ports() -> None:
    assert SERVICE.validate(service(ports=[], clusterIP="None"), None) == []


def test_allocate_cluster_ip_takes_the_lowest_free_address() -> None:
    assert allocate_cluster_ip(set()) == "10.96.0.1"
    assert allocate_cluster_ip({"10.96.0.1", "10.96.0.2"}) == "10.96.0.3"


def test_row() -> None:
    body = service(clusterIP="10.96.0.10", type="NodePort")
    body["spec"]["ports"][0]["nodePort"] = 30080
    assert SERVICE.row is not None
    assert SERVICE.row(body, 1714557630.0) == [
        "web",
        "NodePort",
        "10.96.0.10",
        "<none>",
        "80:30080/TCP",
        "30s",
        "app=web",
    ]
