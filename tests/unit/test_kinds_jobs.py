"""Job defaults, the generated selector and every validation rule of k8s-job-semantics §1."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from jobyard.cluster.kinds import JOB

UID = "0f6c1a52-7d59-4f43-9a4e-0123456789ab"


def job(name: str = "pi", **spec: Any) -> dict[str, Any]:
    """A created Job: defaulted, selector generated, ready for validation."""
    body: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default", "uid": UID},
        "spec": {
            "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "busybox:1.36"}]}},
            **spec,
        },
    }
    JOB.default(body)
    JOB.prepare_for_create(body)
    return body


def messages(causes: list[Any]) -> list[str]:
    return [cause.detail() for cause in causes]


def test_defaults_match_upstream_for_a_minimal_job() -> None:
    spec = job()["spec"]
    assert (spec["parallelism"], spec["completions"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            {"parallelism": 3},
            {"parallelism": 3, "completions": None},
            id="parallelism alone leaves completions unset (work queue)",
        ),
        pytest.param(
            {"completions": 4}, {"parallelism": 1, "completions": 4}, id="completions alone defaults parallelism to 1"
        ),
        pytest.param(
            {"backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 2},
            {"backoffLimit": 2147483647},
            id="backoffLimit is MaxInt32 with backoffLimitPerIndex",
        ),
        pytest.param(
            {"podFailurePolicy": {"rules": []}},
            {"podReplacementPolicy": "Failed"},
            id="podReplacementPolicy is Failed with a podFailurePolicy",
        ),
    ],
)
def test_spec_defaults(given: dict[str, Any], expected: dict[str, Any]) -> None:
    spec = job(**given)["spec"]
    for key, value in expected.items():
        assert spec.get(key) == value


def test_pod_failure_policy_condition_status_defaults_to_true() -> None:
    rules = [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]
    spec = job(podFailurePolicy={"rules": rules})["spec"]
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"] == "True"


def test_defaulting_is_idempotent() -> None:
    body = job(podFailurePolicy={"rules": [{"action": "Ignore", "onPodConditions": [{"type": "X"}]}]})
    again = copy.deepcopy(body)
    JOB.default(again)
    assert again == body


def test_generated_selector_and_template_labels() -> None:
    body = job()
    assert body["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}}
    assert body["spec"]["template"]["metadata"]["labels"] == {
        "batch.kubernetes.io/controller-uid": UID,
        "batch.kubernetes.io/job-name": "pi",
        "controller-uid": UID,
        "job-name": "pi",
    }
    assert body["metadata"]["labels"] == body["spec"]["template"]["metadata"]["labels"]
    assert body["status"] == {}


def test_manual_selector_is_kept() -> None:
    selector = {"matchLabels": {"app": "x"}}
    template = {
        "metadata": {"labels": {"app": "x"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]},
    }
    body = job(manualSelector=True, selector=selector, template=template)
    assert body["spec"]["selector"] == selector
    assert JOB.validate(body, None) == []


def test_valid_job_has_no_causes() -> None:
    assert JOB.validate(job(), None) == []


INVALID_ON_CREATE = [
    pytest.param(
        {"parallelism": -1},
        "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
        id="parallelism must be non-negative",
    ),
    pytest.param(
        {"completions": -1},
        "spec.completions: Invalid value: -1: must be greater than or equal to 0",
        id="completions must be non-negative",
    ),
    pytest.param(
        {"backoffLimit": -1},
        "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0",
        id="backoffLimit must be non-negative",
    ),
    pytest.param(
        {"activeDeadlineSeconds": -1},
        "spec.activeDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
        id="activeDeadlineSeconds must be non-negative",
    ),
    pytest.param(
        {"ttlSecondsAfterFinished": -1},
        "spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0",
        id="ttlSecondsAfterFinished must be non-negative",
    ),
    pytest.param(
        {"completionMode": "Sometimes"},
        'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
        id="completionMode is NonIndexed or Indexed",
    ),
    pytest.param(
        {"completionMode": "Indexed", "parallelism": 2},
        "spec.completions: Required value: when completion mode is Indexed",
        id="Indexed requires completions",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 5, "parallelism": 100001},
        "spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed",
        id="Indexed parallelism is at most 100000",
    ),
    pytest.param(
        {"backoffLimitPerIndex": 1},
        "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
        id="backoffLimitPerIndex is Indexed only",
    ),
    pytest.param(
        {"backoffLimitPerIndex": -1, "completionMode": "Indexed", "completions": 2},
        "spec.backoffLimitPerIndex: Invalid value: -1: must be greater than or equal to 0",
        id="backoffLimitPerIndex must be non-negative",
    ),
    pytest.param(
        {"maxFailedIndexes": 1, "completionMode": "Indexed", "completions": 2},
        "spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified",
        id="maxFailedIndexes needs backoffLimitPerIndex",
    ),
    pytest.param(
        {"maxFailedIndexes": 3, "backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 2},
        "spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions",
        id="maxFailedIndexes is at most completions",
    ),
    pytest.param(
        {"maxFailedIndexes": -1, "backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 2},
        "spec.maxFailedIndexes: Invalid value: -1: must be greater than or equal to 0",
        id="maxFailedIndexes must be non-negative",
    ),
    pytest.param(
        {
            "maxFailedIndexes": 100001,
            "backoffLimitPerIndex": 1,
            "completionMode": "Indexed",
            "completions": 200000,
            "parallelism": 1,
        },
        "spec.maxFailedIndexes: Invalid value: 100001: must be less than or equal to 100000",
        id="maxFailedIndexes is at most 100000",
    ),
    pytest.param(
        {"backoffLimitPerIndex": 1, "completionMode": "Indexed", "completions": 100001, "parallelism": 1},
        "spec.maxFailedIndexes: Required value: must be specified when completions is above 100000",
        id="maxFailedIndexes is required above 100000 completions with backoffLimitPerIndex",
    ),
    pytest.param(
        {
            "backoffLimitPerIndex": 1,
            "maxFailedIndexes": 1,
            "completionMode": "Indexed",
            "completions": 100001,
            "parallelism": 10001,
        },
        "spec.parallelism: Invalid value: 10001: must be less than or equal to 10000 when completions are above 100000 and used with backoff limit per index",
        id="parallelism is at most 10000 above 100000 completions with backoffLimitPerIndex",
    ),
    pytest.param(
        {"managedBy": "controller"},
        'spec.managedBy: Invalid value: "controller": must be a domain-prefixed path (such as "acme.io/foo")',
        id="managedBy must be a domain-prefixed path",
    ),
    pytest.param(
        {"managedBy": "acme.io/" + "x" * 60},
        "spec.managedBy: Too long: may not be longer than 63",
        id="managedBy is at most 63 characters",
    ),
    pytest.param(
        {"podReplacementPolicy": "Sometimes"},
        'spec.podReplacementPolicy: Unsupported value: "Sometimes": supported values: "Failed", "TerminatingOrFailed"',
        id="podReplacementPolicy is one of two values",
    ),
    pytest.param(
        {
            "podReplacementPolicy": "TerminatingOrFailed",
            "podFailurePolicy": {"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}]},
        },
        'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
        id="podReplacementPolicy must be Failed with a podFailurePolicy",
    ),
    pytest.param(
        {"successPolicy": {"rules": [{"succeededCount": 1}]}},
        "requires indexed completion mode",
        id="successPolicy is Indexed only",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": []}},
        "spec.successPolicy.rules: Required value: at least one rules must be specified when the successPolicy is specified",
        id="successPolicy needs at least one rule",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{}] * 21}},
        "spec.successPolicy.rules: Too many: 21: must have at most 20 items",
        id="successPolicy has at most 20 rules",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{}]}},
        "spec.successPolicy.rules[0]: Required value: at least one of succeededCount or succeededIndexes must be specified",
        id="a success rule names indexes or a count",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{"succeededIndexes": "0-3"}]}},
        'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-3": error parsing succeededIndexes: too large index: "3"',
        id="succeededIndexes must be below completions",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 5, "successPolicy": {"rules": [{"succeededIndexes": "2,1"}]}},
        "error parsing succeededIndexes: non-increasing order, previous: 2, current: 1",
        id="succeededIndexes must ascend",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{"succeededCount": 4}]}},
        "spec.successPolicy.rules[0].succeededCount: Invalid value: 4: must be less than or equal to 3 (the number of specified completions)",
        id="succeededCount is at most completions",
    ),
    pytest.param(
        {
            "completionMode": "Indexed",
            "completions": 5,
            "successPolicy": {"rules": [{"succeededIndexes": "0,1", "succeededCount": 3}]},
        },
        "spec.successPolicy.rules[0].succeededCount: Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified succeededIndexes field)",
        id="succeededCount is at most the number of succeededIndexes",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 3, "successPolicy": {"rules": [{"succeededCount": -1}]}},
        "spec.successPolicy.rules[0].succeededCount: Invalid value: -1: must be greater than or equal to 0",
        id="succeededCount must be non-negative",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), INVALID_ON_CREATE)
def test_spec_rules(spec: dict[str, Any], expected: str) -> None:
    details = messages(JOB.validate(job(**spec), None))
    assert any(expected in detail for detail in details), details


def pod_failure_policy(*rules: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"podFailurePolicy": {"rules": list(rules)}, **spec}


POD_FAILURE_POLICY = [
    pytest.param(
        pod_failure_policy(*[{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}] * 21),
        "spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items",
        id="at most 20 rules",
    ),
    pytest.param(
        pod_failure_policy({"onExitCodes": {"operator": "In", "values": [1]}}),
        'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
        id="action is required",
    ),
    pytest.param(
        pod_failure_policy({"action": "Retry", "onExitCodes": {"operator": "In", "values": [1]}}),
        'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        id="action is one of the supported actions",
    ),
    pytest.param(
        pod_failure_policy({"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [1]}}),
        'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
        id="FailIndex needs backoffLimitPerIndex",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore"}),
        "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
        id="a rule needs onExitCodes or onPodConditions",
    ),
    pytest.param(
        pod_failure_policy(
            {
                "action": "Ignore",
                "onExitCodes": {"operator": "In", "values": [1]},
                "onPodConditions": [{"type": "X", "status": "True"}],
            }
        ),
        "spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported",
        id="a rule has not both onExitCodes and onPodConditions",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "Between", "values": [1]}}),
        'spec.podFailurePolicy.rules[0].onExitCodes.operator: Unsupported value: "Between": supported values: "In", "NotIn"',
        id="operator is In or NotIn",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "In", "values": []}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []: at least one value is required",
        id="at least one exit code",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "In", "values": list(range(1, 257))}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items",
        id="at most 255 exit codes",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "In", "values": [0, 1]}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
        id="exit code 0 is forbidden for In",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "NotIn", "values": [1, 1]}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values[1]: Duplicate value: 1",
        id="exit codes are unique",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "In", "values": [2, 1]}}),
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [2,1]: must be ordered",
        id="exit codes ascend",
    ),
    pytest.param(
        pod_failure_policy(
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1], "containerName": "other"}}
        ),
        'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "other": must be one of the container or initContainer names in the pod template',
        id="containerName names a container of the template",
    ),
    pytest.param(
        pod_failure_policy(*[{"action": "Ignore", "onPodConditions": [{"type": "X", "status": "True"}] * 21}]),
        "spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items",
        id="at most 20 condition patterns",
    ),
    pytest.param(
        pod_failure_policy({"action": "Ignore", "onPodConditions": [{"type": "X", "status": "Maybe"}]}),
        'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
        id="condition status is True, False or Unknown",
    ),
]


@pytest.mark.parametrize(("spec", "expected"), POD_FAILURE_POLICY)
def test_pod_failure_policy_rules(spec: dict[str, Any], expected: str) -> None:
    details = messages(JOB.validate(job(**spec), None))
    assert expected in details, details


def with_restart_policy(policy: str | None) -> dict[str, Any]:
    body = job()
    pod_spec = body["spec"]["template"]["spec"]
    if policy is None:
        pod_spec.pop("restartPolicy")
        JOB.default(body)
    else:
        pod_spec["restartPolicy"] = policy
    return body


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(
            None,
            'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
            id="template restartPolicy must be given",
        ),
        pytest.param(
            "Always",
            'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
            id="template restartPolicy Always is rejected",
        ),
    ],
)
def test_restart_policy(policy: str | None, expected: str) -> None:
    assert messages(JOB.validate(with_restart_policy(policy), None)) == [expected]


def test_pod_failure_policy_requires_restart_policy_never() -> None:
    body = job(**pod_failure_policy({"action": "Ignore", "onExitCodes": {"operator": "In", "values": [1]}}))
    body["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert messages(JOB.validate(body, None)) == [
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'
    ]


def test_indexed_job_name_must_leave_room_for_the_index() -> None:
    body = job(name="x" * 62, completionMode="Indexed", completions=10)
    assert messages(JOB.validate(body, None)) == [
        f'metadata.name: Invalid value: "{"x" * 62}": will not able to create pod with invalid DNS label: {"x" * 62}-9'
    ]


def test_selector_must_match_template_labels() -> None:
    body = job(manualSelector=True, selector={"matchLabels": {"app": "a"}})
    assert any("`selector` does not match template `labels`" in detail for detail in messages(JOB.validate(body, None)))


def test_selector_is_required() -> None:
    body = job(manualSelector=True)
    assert "spec.selector: Required value" in messages(JOB.validate(body, None))


def test_user_selector_without_manual_selector_is_rejected() -> None:
    body = job(selector={"matchLabels": {"app": "a"}})
    assert any("`selector` not auto-generated" in detail for detail in messages(JOB.validate(body, None)))


def test_template_is_validated_as_a_pod_spec() -> None:
    body = job()
    body["spec"]["template"]["spec"]["containers"][0]["image"] = ""
    assert "spec.template.spec.containers[0].image: Required value" in messages(JOB.validate(body, None))


def updated(old: dict[str, Any], change: Any) -> dict[str, Any]:
    new = copy.deepcopy(old)
    change(new)
    return new


IMMUTABLE = [
    pytest.param(
        {},
        lambda j: j["spec"].update(completions=3),
        "spec.completions: Invalid value: 3: field is immutable",
        id="completions is immutable for NonIndexed jobs",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 2, "parallelism": 2},
        lambda j: j["spec"].update(completions=3),
        "spec.completions: Invalid value: 3: can only be modified in tandem with spec.parallelism",
        id="Indexed completions change only together with parallelism",
    ),
    pytest.param(
        {},
        lambda j: j["spec"].update(completionMode="Indexed"),
        'spec.completionMode: Invalid value: "Indexed": field is immutable',
        id="completionMode is immutable",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 2, "backoffLimitPerIndex": 1},
        lambda j: j["spec"].update(backoffLimitPerIndex=2),
        "spec.backoffLimitPerIndex: Invalid value: 2: field is immutable",
        id="backoffLimitPerIndex is immutable",
    ),
    pytest.param(
        {},
        lambda j: j["spec"].update(podFailurePolicy={"rules": []}, podReplacementPolicy="Failed"),
        'spec.podFailurePolicy: Invalid value: {"rules":[]}: field is immutable',
        id="podFailurePolicy is immutable",
    ),
    pytest.param(
        {"completionMode": "Indexed", "completions": 2},
        lambda j: j["spec"].update(successPolicy={"rules": [{"succeededCount": 1}]}),
        'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: field is immutable',
        id="successPolicy is immutable",
    ),
    pytest.param(
        {},
        lambda j: j["spec"].update(managedBy="acme.io/x"),
        'spec.managedBy: Invalid value: "acme.io/x": field is immutable',
        id="managedBy is immutable",
    ),
    pytest.param(
        {},
        lambda j: j["spec"]["selector"]["matchLabels"].update(extra="x"),
        "spec.selector: Invalid value: ",
        id="selector is immutable",
    ),
    pytest.param(
        {},
        lambda j: j["spec"]["template"]["spec"]["containers"][0].update(image="busybox:2"),
        "spec.template: Invalid value: ",
        id="template is immutable",
    ),
    pytest.param(
        {"suspend": True},
        lambda j: j["spec"]["template"]["spec"]["containers"][0].update(image="busybox:2"),
        "spec.template: Invalid value: ",
        id="a suspended Job's containers stay immutable",
    ),
]


@pytest.mark.parametrize(("spec", "change", "field"), IMMUTABLE)
def test_update_immutability(spec: dict[str, Any], change: Any, field: str) -> None:
    old = job(**spec)
    details = messages(JOB.validate(updated(old, change), old))
    assert any(detail.startswith(field) for detail in details), details


MUTABLE = [
    pytest.param({}, lambda j: j["spec"].update(parallelism=4), id="parallelism may change"),
    pytest.param({}, lambda j: j["spec"].update(suspend=True), id="suspend may change"),
    pytest.param({}, lambda j: j["spec"].update(activeDeadlineSeconds=60), id="activeDeadlineSeconds may change"),
    pytest.param(
        {"completionMode": "Indexed", "completions": 2, "parallelism": 2},
        lambda j: j["spec"].update(completions=4, parallelism=4),
        id="Indexed completions scale with parallelism",
    ),
    pytest.param(
        {"suspend": True},
        lambda j: j["spec"]["template"]["spec"].update(nodeSelector={"zone": "a"}),
        id="a suspended, never started Job may change nodeSelector",
    ),
    pytest.param(
        {"suspend": True},
        lambda j: j["spec"]["template"]["spec"].update(tolerations=[{"key": "k", "operator": "Exists"}]),
        id="a suspended, never started Job may change tolerations",
    ),
    pytest.param(
        {"suspend": True},
        lambda j: j["spec"]["template"]["metadata"]["labels"].update(queue="q"),
        id="a suspended, never started Job may change template labels",
    ),
]


@pytest.mark.parametrize(("spec", "change"), MUTABLE)
def test_update_allowed(spec: dict[str, Any], change: Any) -> None:
    old = job(**spec)
    assert JOB.validate(updated(old, change), old) == []


def test_started_suspended_job_template_is_immutable() -> None:
    old = job(suspend=True)
    old["status"] = {"startTime": "2024-05-01T10:00:00Z"}
    new = updated(old, lambda j: j["spec"]["template"]["spec"].update(nodeSelector={"zone": "a"}))
    assert any(detail.startswith("spec.template:") for detail in messages(JOB.validate(new, old)))


STATUS = [
    pytest.param(
        {},
        {"active": -1},
        "status.active: Invalid value: -1: must be greater than or equal to 0",
        id="counters are non-negative",
    ),
    pytest.param(
        {"failed": 2},
        {"failed": 1},
        "status.failed: Invalid value: 1: cannot decrease the failed counter",
        id="failed never decreases",
    ),
    pytest.param(
        {"succeeded": 2},
        {"succeeded": 1},
        "status.succeeded: Invalid value: 1: cannot decrease the succeeded counter",
        id="succeeded never decreases",
    ),
    pytest.param(
        {"conditions": [{"type": "Complete", "status": "True"}]},
        {},
        "status.conditions: Invalid value: cannot disable the terminal Complete=True condition",
        id="a terminal condition stays",
    ),
    pytest.param(
        {},
        {"uncountedTerminatedPods": {"succeeded": ["a"], "failed": ["a"]}},
        'status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"',
        id="uncounted uids are unique",
    ),
]


@pytest.mark.parametrize(("old_status", "new_status", "expected"), STATUS)
def test_status_rules(old_status: dict[str, Any], new_status: dict[str, Any], expected: str) -> None:
    old = job()
    old["status"] = old_status
    new = updated(old, lambda j: j.update(status=new_status))
    assert expected in messages(JOB.validate_status(new, old))


@pytest.mark.parametrize(
    ("status", "extra", "cells"),
    [
        pytest.param({}, {}, ["Running", "0/1", ""], id="a fresh job is Running"),
        pytest.param(
            {
                "succeeded": 1,
                "startTime": "2024-05-01T10:00:00Z",
                "completionTime": "2024-05-01T10:00:30Z",
                "conditions": [{"type": "Complete", "status": "True"}],
            },
            {},
            ["Complete", "1/1", "30s"],
            id="a complete job shows its duration",
        ),
        pytest.param(
            {"conditions": [{"type": "Failed", "status": "True"}]},
            {},
            ["Failed", "0/1", ""],
            id="a failed job is Failed",
        ),
        pytest.param(
            {"conditions": [{"type": "Suspended", "status": "True"}]},
            {},
            ["Suspended", "0/1", ""],
            id="a suspended job is Suspended",
        ),
        pytest.param(
            {"conditions": [{"type": "FailureTarget", "status": "True"}]},
            {},
            ["FailureTarget", "0/1", ""],
            id="FailureTarget shows before Failed is set",
        ),
        pytest.param(
            {},
            {"deletionTimestamp": "2024-05-01T10:00:00Z"},
            ["Terminating", "0/1", ""],
            id="a deleted job is Terminating",
        ),
    ],
)
def test_table_row(status: dict[str, Any], extra: dict[str, Any], cells: list[str]) -> None:
    body = job()
    body["status"] = status
    body["metadata"].update(creationTimestamp="2024-05-01T10:00:00Z", **extra)
    assert JOB.row is not None
    row = JOB.row(body, 1714557660.0)
    assert row[1:4] == cells
    assert row[4] == "60s"
    assert row[5:7] == ["pi", "busybox:1.36"]
    assert row[7] == f"batch.kubernetes.io/controller-uid={UID}"
    assert len(row) == len(JOB.columns)


def test_work_queue_completions_cell() -> None:
    body = job(parallelism=3)
    assert JOB.row is not None
    assert JOB.row(body, 0)[2] == "0/1 of 3"


def test_field_labels() -> None:
    body = job()
    body["status"] = {"succeeded": 2}
    assert JOB.field_labels(body) == {"metadata.name": "pi", "metadata.namespace": "default", "status.successful": "2"}
