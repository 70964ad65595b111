"""Pod defaults, QoS, pod spec validation (shared with templates), update rule, table."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from jobyard.cluster.kinds import POD, pod_qos_class
from jobyard.cluster.kinds._age import parse_timestamp

CREATED = "2024-05-01T10:00:00Z"
NOW = parse_timestamp(CREATED) + 600


def pod(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "creationTimestamp": CREATED},
        "spec": {"containers": list(containers) or [{"name": "app", "image": "nginx"}], **spec},
    }
    POD.default(body)
    POD.prepare_for_create(body)
    return body


def details(body: dict[str, Any], old: dict[str, Any] | None = None) -> list[str]:
    return [cause.detail() for cause in POD.validate(body, old)]


def test_pod_defaults() -> None:
    spec = pod()["spec"]
    assert {
        key: spec[key] for key in ("restartPolicy", "dnsPolicy", "schedulerName", "terminationGracePeriodSeconds")
    } == {
        "restartPolicy": "Always",
        "dnsPolicy": "ClusterFirst",
        "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30,
    }
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == ("default", "default")


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        pytest.param("nginx", "Always", id="an untagged image is always pulled"),
        pytest.param("nginx:latest", "Always", id="latest is always pulled"),
        pytest.param("nginx:1.25", "IfNotPresent", id="a tagged image is pulled if absent"),
        pytest.param("localhost:5000/nginx", "Always", id="a registry port is not a tag"),
        pytest.param("nginx@sha256:" + "a" * 64, "IfNotPresent", id="a digest is pulled if absent"),
    ],
)
def test_image_pull_policy_default(image: str, policy: str) -> None:
    assert pod({"name": "app", "image": image})["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_container_defaults() -> None:
    container = {
        "name": "app",
        "image": "nginx:1",
        "ports": [{"containerPort": 80}],
        "livenessProbe": {"httpGet": {"port": 80}},
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "resources": {"limits": {"cpu": "500m"}},
    }
    defaulted = pod(container)["spec"]["containers"][0]
    assert defaulted["ports"][0]["protocol"] == "TCP"
    assert defaulted["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    assert defaulted["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert defaulted["resources"]["requests"] == {"cpu": "500m"}
    assert defaulted["terminationMessagePolicy"] == "File"


def test_volume_defaults() -> None:
    volumes = [{"name": "scratch"}, {"name": "conf", "configMap": {"name": "c"}}]
    defaulted = pod(volumes=volumes)["spec"]["volumes"]
    assert defaulted == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "conf", "configMap": {"name": "c", "defaultMode": 420}},
    ]


def test_defaulting_is_idempotent() -> None:
    body = pod({"name": "app", "image": "nginx", "readinessProbe": {"exec": {"command": ["true"]}}})
    again = copy.deepcopy(body)
    POD.default(again)
    assert again == body


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        pytest.param({}, "BestEffort", id="no requests or limits is BestEffort"),
        pytest.param({"requests": {"cpu": "100m"}}, "Burstable", id="requests alone is Burstable"),
        pytest.param(
            {"limits": {"cpu": "1", "memory": "1Gi"}},
            "Guaranteed",
            id="equal cpu and memory limits and requests is Guaranteed",
        ),
        pytest.param({"limits": {"cpu": "1"}}, "Burstable", id="a cpu limit alone is Burstable"),
    ],
)
def test_qos_class_on_create(resources: dict[str, Any], qos: str) -> None:
    body = pod({"name": "app", "image": "nginx", "resources": resources})
    assert body["status"] == {"phase": "Pending", "qosClass": qos}
    assert pod_qos_class(body["spec"]) == qos


def test_valid_pod_has_no_causes() -> None:
    assert details(pod()) == []


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "nginx", **fields}


SPEC_RULES = [
    pytest.param({"containers": []}, "spec.containers: Required value", id="at least one container"),
    pytest.param(
        {"containers": [container(name="App")]},
        'spec.containers[0].name: Invalid value: "App": a lowercase RFC 1123 label',
        id="container names are DNS labels",
    ),
    pytest.param(
        {"containers": [container(), container()]},
        'spec.containers[1].name: Duplicate value: "app"',
        id="container names are unique",
    ),
    pytest.param(
        {"containers": [container()], "initContainers": [container()]},
        'spec.containers[0].name: Duplicate value: "app"',
        id="container names are unique across init containers",
    ),
    pytest.param(
        {"containers": [container(image="")]}, "spec.containers[0].image: Required value", id="image is required"
    ),
    pytest.param(
        {"containers": [container(image=" nginx")]},
        'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
        id="pod images have no surrounding spaces",
    ),
    pytest.param(
        {"containers": [container(ports=[{"containerPort": 70000}])]},
        "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
        id="container ports are 1-65535",
    ),
    pytest.param(
        {"containers": [container(ports=[{"containerPort": 80, "name": "a-very-long-port-name"}])]},
        'spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters',
        id="port names are at most 15 characters",
    ),
    pytest.param(
        {"containers": [container(ports=[{"containerPort": 80, "name": "web"}, {"containerPort": 81, "name": "web"}])]},
        'spec.containers[0].ports[1].name: Duplicate value: "web"',
        id="port names are unique",
    ),
    pytest.param(
        {"containers": [container(ports=[{"containerPort": 80, "protocol": "HTTP"}])]},
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
        id="port protocols are TCP, UDP or SCTP",
    ),
    pytest.param(
        {"containers": [container(env=[{"name": "A=B"}])]},
        "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
        id="env names are printable ASCII without '='",
    ),
    pytest.param(
        {"containers": [container(env=[{"name": "A", "valueFrom": {}}])]},
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        id="valueFrom needs a source",
    ),
    pytest.param(
        {"containers": [container(resources={"limits": {"cpu": "abc"}})]},
        "spec.containers[0].resources.limits[cpu]: Invalid value: \"abc\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        id="quantities must parse",
    ),
    pytest.param(
        {"containers": [container(resources={"limits": {"cpu": "500m"}, "requests": {"cpu": "1"}})]},
        'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
        id="requests are at most limits",
    ),
    pytest.param(
        {"containers": [container(resources={"requests": {"cpu": "-1"}})]},
        'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
        id="quantities are non-negative",
    ),
    pytest.param(
        {"containers": [container(resources={"requests": {"gpu": "1"}})]},
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        id="unprefixed resources are standard ones",
    ),
    pytest.param(
        {"restartPolicy": "Sometimes"},
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        id="restartPolicy is Always, OnFailure or Never",
    ),
    pytest.param(
        {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]},
        'spec.volumes[1].name: Duplicate value: "v"',
        id="volume names are unique",
    ),
    pytest.param(
        {"volumes": [{"name": "v", "emptyDir": {}, "hostPath": {"path": "/"}}]},
        "spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type",
        id="a volume has exactly one source",
    ),
    pytest.param(
        {"containers": [container(volumeMounts=[{"name": "missing", "mountPath": "/x"}])]},
        'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
        id="volume mounts name a volume",
    ),
    pytest.param(
        {
            "volumes": [{"name": "v", "emptyDir": {}}],
            "containers": [
                container(volumeMounts=[{"name": "v", "mountPath": "/x"}, {"name": "v", "mountPath": "/x"}])
            ],
        },
        'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique',
        id="mount paths are unique",
    ),
    pytest.param(
        {"containers": [container(livenessProbe={"periodSeconds": -1, "exec": {"command": ["true"]}})]},
        "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
        id="probe numbers are non-negative",
    ),
    pytest.param(
        {"containers": [container(livenessProbe={"successThreshold": 2, "exec": {"command": ["true"]}})]},
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        id="liveness successThreshold is 1",
    ),
    pytest.param(
        {"containers": [container(readinessProbe={})]},
        "spec.containers[0].readinessProbe: Required value: must specify a handler type",
        id="a probe needs a handler",
    ),
    pytest.param(
        {"securityContext": {"runAsUser": -1}},
        "spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
        id="runAsUser is non-negative",
    ),
    pytest.param(
        {"activeDeadlineSeconds": 0},
        "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 4294967295, inclusive",
        id="activeDeadlineSeconds is positive",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), SPEC_RULES)
def test_pod_spec_rules(spec: dict[str, Any], expected: str) -> None:
    containers = spec.pop("containers", None)
    body = pod(**spec)
    if containers is not None:
        body["spec"]["containers"] = containers
    found = details(body)
    assert any(detail.startswith(expected) or expected in detail for detail in found), found


def test_pod_update_may_change_the_image() -> None:
    old = pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:2"
    assert details(new, old) == []


def test_pod_update_may_not_change_other_fields() -> None:
    old = pod()
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "protocol": "TCP"}]
    assert details(new, old) == [
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
        "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
        "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
        "previously negative)"
    ]


def test_pod_update_may_add_tolerations_but_not_remove_them() -> None:
    old = pod(tolerations=[{"key": "a", "operator": "Exists"}])
    added = copy.deepcopy(old)
    added["spec"]["tolerations"].append({"key": "b", "operator": "Exists"})
    removed = copy.deepcopy(old)
    removed["spec"]["tolerations"] = []
    assert details(added, old) == []
    assert details(removed, old) == [
        "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"
    ]


def running(ready: bool = True, restarts: int = 0, last_finished: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"name": "app", "ready": ready, "restartCount": restarts, "state": {"running": {}}}
    if last_finished:
        status["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": last_finished}}
    return status


ROWS = [
    pytest.param({"phase": "Pending"}, {}, ("0/1", "Pending", "0"), id="a new pod is Pending"),
    pytest.param(
        {
            "phase": "Pending",
            "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}],
        },
        {},
        ("0/1", "ContainerCreating", "0"),
        id="a waiting reason shows",
    ),
    pytest.param(
        {"phase": "Running", "containerStatuses": [running()]}, {}, ("1/1", "Running", "0"), id="a ready running pod"
    ),
    pytest.param(
        {
            "phase": "Running",
            "containerStatuses": [
                {
                    **running(ready=False, restarts=5, last_finished="2024-05-01T10:05:00Z"),
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                }
            ],
        },
        {},
        ("0/1", "CrashLoopBackOff", "5 (5m ago)"),
        id="restarts show when the last one was",
    ),
    pytest.param(
        {
            "phase": "Succeeded",
            "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
        },
        {},
        ("0/1", "Completed", "0"),
        id="a finished pod is Completed",
    ),
    pytest.param(
        {"phase": "Failed", "containerStatuses": [{"name": "app", "state": {"terminated": {"exitCode": 2}}}]},
        {},
        ("0/1", "ExitCode:2", "0"),
        id="an exit code shows without a reason",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "PodInitializing"}}}],
        },
        {"initContainers": [{"name": "init", "image": "busybox"}]},
        ("0/1", "Init:0/1", "0"),
        id="init progress shows",
    ),
    pytest.param(
        {
            "phase": "Pending",
            "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "ErrImagePull"}}}],
        },
        {"initContainers": [{"name": "init", "image": "busybox"}]},
        ("0/1", "Init:ErrImagePull", "0"),
        id="an init waiting reason shows",
    ),
]


@pytest.mark.parametrize(("status", "spec", "cells"), ROWS)
def test_table_row(status: dict[str, Any], spec: dict[str, Any], cells: tuple[str, str, str]) -> None:
    body = pod(**spec)
    body["status"] = status
    assert POD.row is not None
    row = POD.row(body, NOW)
    assert (row[0], *row[1:4], row[4]) == ("web", *cells, "10m")
    assert row[5:] == ["<none>", "<none>", "<none>", "<none>"]


def test_deleted_running_pod_is_terminating() -> None:
    body = pod()
    body["metadata"]["deletionTimestamp"] = CREATED
    body["status"] = {"phase": "Running", "containerStatuses": [running()]}
    assert POD.row is not None
    assert POD.row(body, NOW)[2] == "Terminating"


def test_field_labels() -> None:
    body = pod(nodeName="node-1")
    body["status"]["podIPs"] = [{"ip": "10.0.0.5"}]
    labels = POD.field_labels(body)
    assert labels["spec.nodeName"] == "node-1"
    assert labels["status.phase"] == "Pending"
    assert labels["status.podIP"] == "10.0.0.5"
    assert labels["spec.hostNetwork"] == "false"
    assert labels["spec.restartPolicy"] == "Always"
