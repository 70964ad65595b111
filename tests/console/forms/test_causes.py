import pytest

from jobyard.console.forms import EnvVarForm, LogForm, StorageForm, map_status_causes

from .builders import valid_form


def _invalid(field: str, message: str = "Invalid value", reason: str = "FieldValueInvalid") -> dict[str, object]:
    return {
        "kind": "Status",
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "details": {
            "name": "job-01",
            "group": "batch",
            "kind": "Job",
            "causes": [{"reason": reason, "message": message, "field": field}],
        },
    }


CASES = {
    "metadata.name is the name": ("metadata.name", "name"),
    "parallelism is an advanced field": ("spec.parallelism", "advanced.parallelism"),
    "completions are the instances": ("spec.completions", "instances"),
    "a container image": ("spec.template.spec.containers[0].image", "containers[0].image"),
    "a CPU limit": ("spec.template.spec.containers[0].resources.limits[cpu]", "containers[0].resources.cpuLimit"),
    "a probe timing": (
        "spec.template.spec.containers[0].livenessProbe.periodSeconds",
        "containers[0].healthChecks.liveness.periodSeconds",
    ),
    "a probe port": (
        "spec.template.spec.containers[0].readinessProbe.httpGet.port",
        "containers[0].healthChecks.readiness.port",
    ),
    "an envFrom entry finds its row among env rows": (
        "spec.template.spec.containers[0].envFrom[0].configMapRef.name",
        "containers[0].env[1].source",
    ),
    "a volume mount after the storage rows is a log path": (
        "spec.template.spec.containers[0].volumeMounts[1].mountPath",
        "containers[0].logs[0].path",
    ),
    "a volume finds the row that made it": (
        "spec.template.spec.volumes[0].secret.secretName",
        "containers[0].storage[0].source",
    ),
    "pod labels are the advanced labels": ("spec.template.metadata.labels", "advanced.labels"),
    "restart policy": ("spec.template.spec.restartPolicy", "advanced.restartPolicy"),
    "an unknown field lands on the form": ("spec.template.spec.nodeSelector", ""),
}


@pytest.mark.parametrize("field, path", CASES.values(), ids=CASES.keys())
def test_a_cause_lands_on_its_field(field: str, path: str) -> None:
    form = valid_form()
    form.containers[0].env = [EnvVarForm(name="A", value="1"), EnvVarForm(type="configMap", source="cfg")]
    form.containers[0].storage = [StorageForm(type="secret", source="creds", mount_path="/creds")]
    form.containers[0].logs = [LogForm(path="/var/log/app")]
    [error] = map_status_causes(_invalid(field, "must be greater than or equal to 0"), form)
    assert error.path == path
    assert error.code == "rejected"


def test_messages_are_in_the_users_language() -> None:
    [en] = map_status_causes(_invalid("spec.parallelism", "must be greater than or equal to 0"), valid_form(), "en")
    [zh] = map_status_causes(_invalid("spec.parallelism", "must be greater than or equal to 0"), valid_form(), "zh-CN")
    assert en.message == "The cluster rejected this value: must be greater than or equal to 0"
    assert zh.message == "集群拒绝了该值：must be greater than or equal to 0"


def test_a_required_cause_says_required() -> None:
    status = _invalid("spec.template.spec.containers[0].image", "Required value", "FieldValueRequired")
    [error] = map_status_causes(status, valid_form(), "zh-CN")
    assert (error.path, error.code, error.message) == ("containers[0].image", "required", "此项为必填项。")


def test_already_exists_is_the_name_taken() -> None:
    status = {
        "kind": "Status",
        "reason": "AlreadyExists",
        "code": 409,
        "details": {"name": "job-01", "group": "batch", "kind": "jobs"},
    }
    [error] = map_status_causes(status, valid_form())
    assert (error.path, error.code) == ("name", "nameTaken")


def test_service_causes_land_on_the_service_step() -> None:
    status = _invalid("spec.ports[0].nodePort", "provided port is already allocated")
    status["details"]["kind"] = "Service"  # type: ignore[index]
    [error] = map_status_causes(status, valid_form())
    assert error.path == "service.ports[0].nodePort"
