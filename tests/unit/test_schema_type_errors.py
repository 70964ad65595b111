import pytest

from jobyard.cluster.schema import type_errors

JOB = "io.k8s.api.batch.v1.Job"


def job_with(spec: dict | None = None, pod_spec: dict | None = None, container: dict | None = None) -> dict:
    main = {"name": "main", "image": "busybox", **(container or {})}
    template_spec = {"containers": [main], **(pod_spec or {})}
    return {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": template_spec}, **(spec or {})}}


CASES = {
    "a well-typed job has no type errors": (job_with(), []),
    "a string where an int64 belongs names the owning struct and the path": (
        job_with(pod_spec={"activeDeadlineSeconds": "5"}),
        [
            "json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.activeDeadlineSeconds of type int64"
        ],
    ),
    "int32 fields name int32": (
        job_with(spec={"parallelism": "2"}),
        ["json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32"],
    ),
    "a fractional number into an integer shows the number": (
        job_with(spec={"backoffLimit": 1.5}),
        ["json: cannot unmarshal number 1.5 into Go struct field JobSpec.spec.backoffLimit of type int32"],
    ),
    "a number where a string belongs": (
        job_with(container={"image": 7}),
        [
            "json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string"
        ],
    ),
    "a bool is not an integer": (
        job_with(spec={"completions": True}),
        ["json: cannot unmarshal bool into Go struct field JobSpec.spec.completions of type int32"],
    ),
    "an array item of the wrong type names the element type": (
        job_with(pod_spec={"containers": ["main"]}),
        [
            "json: cannot unmarshal string into Go struct field PodSpec.spec.template.spec.containers of type v1.Container"
        ],
    ),
    "a scalar where a struct belongs names the struct type": (
        {"spec": "fast"},
        ["json: cannot unmarshal string into Go struct field Job.spec of type v1.JobSpec"],
    ),
    "an object where a list belongs": (
        job_with(container={"args": {"a": 1}}),
        [
            "json: cannot unmarshal object into Go struct field Container.spec.template.spec.containers.args of type []string"
        ],
    ),
    "map values are checked against the value type": (
        {"metadata": {"labels": {"team": 1}}},
        ["json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"],
    ),
    "quantities accept strings and numbers": (
        job_with(container={"resources": {"limits": {"cpu": 1, "memory": "1Gi", "x/y": 0.5}}}),
        [],
    ),
    "quantities reject booleans": (
        job_with(container={"resources": {"limits": {"cpu": True}}}),
        [
            "json: cannot unmarshal bool into Go struct field ResourceRequirements.spec.template.spec.containers.resources.limits of type resource.Quantity"
        ],
    ),
    "int-or-string accepts both": (
        job_with(
            container={"livenessProbe": {"httpGet": {"port": 80}}, "readinessProbe": {"httpGet": {"port": "http"}}}
        ),
        [],
    ),
    "int-or-string rejects objects": (
        job_with(container={"livenessProbe": {"httpGet": {"port": {}}}}),
        [
            "json: cannot unmarshal object into Go struct field HTTPGetAction.spec.template.spec.containers.livenessProbe.httpGet.port of type intstr.IntOrString"
        ],
    ),
    "time is a string": (
        {"metadata": {"creationTimestamp": 5}},
        ["json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type v1.Time"],
    ),
    "null is accepted anywhere": (job_with(spec={"parallelism": None}), []),
    "unknown fields are left to unknown_fields": ({"spec": {"bogus": "x"}}, []),
    "free-form fields take any value": ({"metadata": {"managedFields": [{"fieldsV1": "x"}]}}, []),
    "every error is reported in document order": (
        job_with(spec={"parallelism": "1", "completions": "2"}),
        [
            "json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32",
            "json: cannot unmarshal string into Go struct field JobSpec.spec.completions of type int32",
        ],
    ),
}


@pytest.mark.parametrize(("obj", "expected"), CASES.values(), ids=CASES.keys())
def test_type_errors(obj: dict, expected: list[str]) -> None:
    assert type_errors(obj, JOB) == expected


def test_a_body_that_is_not_an_object_names_the_go_type() -> None:
    assert type_errors([], JOB) == ["json: cannot unmarshal array into Go value of type v1.Job"]


def test_a_changed_value_is_still_checked_when_the_rest_is_unchanged():
    stored = {"spec": {"parallelism": 1, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    patched = {"spec": {"parallelism": "two", "template": stored["spec"]["template"]}}
    assert type_errors(patched, "io.k8s.api.batch.v1.Job", stored) == [
        "json: cannot unmarshal string into Go struct field JobSpec.spec.parallelism of type int32"
    ]
