from __future__ import annotations

import copy
from typing import Any

from jobyard.cluster.kinds import ENDPOINTS, EVENT, NAMESPACE, NODE, SERVICE_ACCOUNT


def test_namespace_create_adds_finalizer_status_and_name_label() -> None:
    body: dict[str, Any] = {"metadata": {"name": "team-a"}}
    NAMESPACE.default(body)
    NAMESPACE.prepare_for_create(body)
    assert body["spec"] == {"finalizers": ["kubernetes"]}
    assert body["status"] == {"phase": "Active"}
    assert body["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    again = copy.deepcopy(body)
    NAMESPACE.default(again)
    assert again == body


def test_namespace_finalizers_are_standard_or_qualified() -> None:
    body = {"metadata": {"name": "a"}, "spec": {"finalizers": ["custom"]}}
    assert [c.detail() for c in NAMESPACE.validate(body, None)] == [
        'spec.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'
    ]


def test_namespace_row_and_field_labels() -> None:
    body = {"metadata": {"name": "a"}, "status": {"phase": "Terminating"}}
    assert NAMESPACE.row is not None
    assert NAMESPACE.row(body, 0) == ["a", "Terminating", "<unknown>"]
    assert NAMESPACE.field_labels(body)["status.phase"] == "Terminating"


def test_endpoints_cell_shows_three_then_counts_the_rest() -> None:
    subset = {"addresses": [{"ip": f"10.0.0.{n}"} for n in range(1, 5)], "ports": [{"port": 80}]}
    assert ENDPOINTS.row is not None
    assert (
        ENDPOINTS.row({"metadata": {"name": "e"}, "subsets": [subset]}, 0)[1]
        == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more..."
    )
    assert ENDPOINTS.row({"metadata": {"name": "e"}}, 0)[1] == "<none>"


def test_node_row() -> None:
    body = {
        "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "spec": {"unschedulable": True},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.33.0"},
            "addresses": [{"type": "InternalIP", "address": "192.168.1.2"}],
        },
    }
    assert NODE.row is not None
    assert NODE.row(body, 0) == [
        "n1",
        "Ready,SchedulingDisabled",
        "control-plane",
        "<unknown>",
        "v1.33.0",
        "192.168.1.2",
        "<none>",
        "<unknown>",
        "<unknown>",
        "<unknown>",
    ]
    assert NODE.field_labels(body)["spec.unschedulable"] == "true"


def test_service_account_row_counts_secrets() -> None:
    assert SERVICE_ACCOUNT.row is not None
    assert SERVICE_ACCOUNT.row({"metadata": {"name": "default"}, "secrets": [{"name": "x"}]}, 0) == [
        "default",
        1,
        "<unknown>",
    ]


def event(**fields: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "pi.1", "namespace": "default"},
        "involvedObject": {"kind": "Job", "name": "pi", "namespace": "default"},
        "reason": "Completed",
        "type": "Normal",
        "message": "Job completed ",
        "source": {"component": "job-controller"},
        **fields,
    }


def test_event_namespace_must_match_involved_object() -> None:
    body = event(involvedObject={"kind": "Pod", "name": "p", "namespace": "other"})
    assert [c.detail() for c in EVENT.validate(body, None)] == [
        'involvedObject.namespace: Invalid value: "other": does not match event.namespace'
    ]


def test_new_style_event_needs_reporting_fields() -> None:
    body = event(eventTime="2024-05-01T10:00:00.000000Z")
    found = [c.detail() for c in EVENT.validate(body, None)]
    assert "reportingComponent: Required value" in found
    assert "action: Required value" in found


def test_event_row_and_field_labels() -> None:
    body = event(firstTimestamp="2024-05-01T10:00:00Z", lastTimestamp="2024-05-01T10:01:00Z", count=2)
    assert EVENT.row is not None
    assert EVENT.row(body, 1714557690.0) == [
        "30s",
        "Normal",
        "Completed",
        "job/pi",
        "",
        "job-controller",
        "Job completed",
        "90s",
        2,
        "pi.1",
    ]
    labels = EVENT.field_labels(body)
    assert (labels["involvedObject.kind"], labels["source"], labels["reason"]) == ("Job", "job-controller", "Completed")
