"""Form → manifests → form, and a kubectl Job → form → the same Job."""

import copy
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jobyard.console.forms import (
    AdvancedForm,
    ContainerForm,
    EnvVarForm,
    HandlerForm,
    HealthChecksForm,
    JobForm,
    KeyValue,
    LifecycleForm,
    LogForm,
    PortForm,
    ProbeForm,
    ResourcesForm,
    SecurityForm,
    ServiceForm,
    ServicePortForm,
    StorageForm,
    from_manifests,
    to_manifests,
)

KUBECTL_JOB = yaml.safe_load(
    """
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
  namespace: batch
  labels: {team: ml}
spec:
  completions: 3
  parallelism: 1
  template:
    metadata:
      annotations:
        jobyard.io/log-paths: '{"pi":["/var/log/pi/*.log"]}'
    spec:
      restartPolicy: OnFailure
      nodeSelector: {disk: ssd}
      serviceAccountName: runner
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
        workingDir: /work
        resources:
          limits: {cpu: "1", nvidia.com/gpu: 1}
        env:
        - name: POD
          valueFrom: {fieldRef: {apiVersion: v1, fieldPath: metadata.name}}
        volumeMounts:
        - {name: data, mountPath: /data}
        - {name: applogs, mountPath: /var/log/pi}
        - {name: cfg, mountPath: /etc/pi, readOnly: true}
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: data}
      - name: applogs
        emptyDir: {}
      - name: cfg
        configMap: {name: pi-config, defaultMode: 0400}
"""
)


def test_a_kubectl_job_opens_with_what_the_form_can_show() -> None:
    form = from_manifests(KUBECTL_JOB).form
    assert (form.name, form.namespace, form.instances, form.advanced.parallelism) == ("pi", "batch", 3, 1)
    assert form.advanced.restart_policy == "OnFailure"
    assert form.advanced.labels == [] and form.advanced.backoff_limit == 6
    container = form.containers[0]
    assert container.lifecycle.command[0] == "perl" and container.resources.cpu_limit == "1"
    assert not container.always_pull
    assert container.env == [EnvVarForm(type="podField", name="POD", field_path="metadata.name")]
    assert container.logs == [LogForm(path="/var/log/pi/*.log", volume_name="applogs")]
    assert container.storage == [
        StorageForm(type="configMap", source="pi-config", mount_path="/etc/pi", read_only=True, volume_name="cfg")
    ]


def test_an_untouched_kubectl_job_comes_back_unchanged() -> None:
    opened = from_manifests(copy.deepcopy(KUBECTL_JOB))
    assert to_manifests(opened.form, opened.rest) == [KUBECTL_JOB]


def test_an_edit_keeps_what_the_form_cannot_show() -> None:
    opened = from_manifests(copy.deepcopy(KUBECTL_JOB))
    container = opened.form.containers[0]
    container.image = "perl:5.36"
    container.env.append(EnvVarForm(name="DIGITS", value="3000"))
    opened.form.advanced.parallelism = 3
    [job] = to_manifests(opened.form, opened.rest)
    pod = job["spec"]["template"]["spec"]
    main = pod["containers"][0]
    assert main["image"] == "perl:5.36" and job["spec"]["parallelism"] == 3
    assert main["workingDir"] == "/work" and main["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert main["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert main["env"][1] == {"name": "DIGITS", "value": "3000"}
    assert pod["nodeSelector"] == {"disk": "ssd"} and pod["serviceAccountName"] == "runner"
    assert {v["name"] for v in pod["volumes"]} == {"data", "applogs", "cfg"}
    assert pod["volumes"][2]["configMap"]["defaultMode"] == 0o400


def test_a_removed_container_is_gone_with_its_hidden_fields() -> None:
    job = copy.deepcopy(KUBECTL_JOB)
    side = {"name": "side", "image": "busybox", "workingDir": "/tmp"}
    job["spec"]["template"]["spec"]["containers"].append(side)
    opened = from_manifests(job)
    opened.form.containers.pop()
    [merged] = to_manifests(opened.form, opened.rest)
    assert [c["name"] for c in merged["spec"]["template"]["spec"]["containers"]] == ["pi"]


def test_a_service_round_trips_with_its_job() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "pi-svc", "namespace": "batch"},
        "spec": {
            "type": "NodePort",
            "selector": {"app": "pi"},
            "ports": [{"name": "web", "port": 80, "targetPort": 8080, "nodePort": 30080}],
            "ipFamilyPolicy": "SingleStack",
        },
    }
    opened = from_manifests(copy.deepcopy(KUBECTL_JOB), copy.deepcopy(service))
    assert opened.form.service is not None and opened.form.service.name == "pi-svc"
    assert to_manifests(opened.form, opened.rest) == [KUBECTL_JOB, service]


_names = st.from_regex(r"[a-z][a-z0-9]{3,10}", fullmatch=True)
_paths = st.from_regex(r"/[a-z]{1,8}(/[a-z]{1,8}){0,2}", fullmatch=True)
_quantities = st.none() | st.sampled_from(["100m", "1", "250m", "512Mi", "2Gi"])
_rows = st.lists(st.builds(KeyValue, key=_names, value=_names), max_size=2, unique_by=lambda r: r.key).filter(
    lambda rows: all(r.key != "app" for r in rows)
)
_probes = st.none() | st.one_of(
    st.builds(ProbeForm, type=st.just("httpGet"), path=_paths, port=st.integers(1, 65535), scheme=st.just("HTTPS")),
    st.builds(ProbeForm, type=st.just("tcpSocket"), port=st.integers(1, 65535), period_seconds=st.integers(1, 60)),
    st.builds(ProbeForm, type=st.just("exec"), port=st.just(0), command=st.lists(_names, min_size=1, max_size=2)),
)
_handlers = st.none() | st.one_of(
    st.builds(HandlerForm, type=st.just("exec"), command=st.lists(_names, min_size=1, max_size=3)),
    st.builds(HandlerForm, type=st.just("httpGet"), path=_paths, port=st.integers(1, 65535), host=st.just("")),
)
_value_env = st.builds(EnvVarForm, type=st.just("keyValue"), name=_names, value=_names) | st.builds(
    EnvVarForm, type=st.sampled_from(["configMapKey", "secretKey"]), name=_names, source=_names, key=_names
)
_whole_env = st.builds(EnvVarForm, type=st.sampled_from(["configMap", "secret"]), source=_names, prefix=st.just(""))
_storage = st.builds(
    StorageForm,
    type=st.sampled_from(["secret", "emptyDir", "hostPath"]),
    source=_paths,
    mount_path=st.just(""),
    read_only=st.booleans(),
)


@st.composite
def _containers(draw: Any, index: int, secret: str) -> ContainerForm:
    storage = draw(st.lists(_storage, max_size=2))
    for n, row in enumerate(storage):
        row.mount_path = f"/mnt/{n}"
        row.source = row.source if row.type == "hostPath" else "" if row.type == "emptyDir" else "creds"
    return ContainerForm(
        name=f"c{index}-{draw(_names)}",
        image=draw(_names) + ":1",
        image_pull_secret=secret,
        always_pull=draw(st.booleans()),
        privileged=draw(st.booleans()),
        resources=ResourcesForm(cpu_request=draw(_quantities), memory_limit=draw(_quantities)),
        ports=[PortForm(name="", container_port=1000 + index, protocol="TCP")] if draw(st.booleans()) else [],
        lifecycle=LifecycleForm(
            command=draw(st.lists(_names, max_size=2)),
            args=draw(st.lists(_names, max_size=2)),
            post_start=draw(_handlers),
            pre_stop=draw(_handlers),
        ),
        health_checks=HealthChecksForm(liveness=draw(_probes), readiness=draw(_probes), startup=draw(_probes)),
        env=draw(st.lists(_value_env, max_size=2, unique_by=lambda e: e.name)) + draw(st.lists(_whole_env, max_size=2)),
        storage=storage,
        security=SecurityForm(
            run_as_user=draw(st.none() | st.integers(0, 65535)),
            read_only_root_filesystem=draw(st.booleans()),
            capabilities_drop=draw(st.lists(st.just("ALL"), max_size=1)),
        ),
        logs=[LogForm(path=p) for p in draw(st.lists(st.sampled_from(["/var/log/app", "/srv/*.log"]), unique=True))],
    )


@st.composite
def _forms(draw: Any) -> JobForm:
    secret = draw(st.sampled_from(["", "regcred"]))
    name = draw(_names)
    containers = [draw(_containers(i, secret)) for i in range(draw(st.integers(1, 2)))]
    init = [draw(_containers(10 + i, secret)) for i in range(draw(st.integers(0, 1)))]
    service = draw(
        st.none()
        | st.builds(
            ServiceForm,
            type=st.sampled_from(["ClusterIP", "NodePort"]),
            ports=st.just([ServicePortForm(name="web", port=80, target_port=8080)]),
            session_affinity=st.booleans(),
        )
    )
    return JobForm(
        name=name,
        namespace=draw(_names),
        instances=draw(st.integers(1, 10)),
        description=draw(st.text(max_size=20)),
        containers=containers,
        init_containers=init,
        service=service,
        advanced=AdvancedForm(
            parallelism=draw(st.integers(0, 10)),
            timeout_seconds=draw(st.none() | st.integers(1, 3600)),
            restart_policy=draw(st.sampled_from(["Never", "OnFailure"])),
            backoff_limit=draw(st.integers(0, 10)),
            completion_mode=draw(st.sampled_from(["NonIndexed", "Indexed"])),
            ttl_seconds_after_finished=draw(st.none() | st.integers(0, 100)),
            suspend=draw(st.booleans()),
            labels=draw(_rows),
            annotations=draw(_rows),
        ),
    )


@settings(max_examples=60, deadline=None)
@given(_forms())
def test_a_form_survives_manifests_and_back(form: JobForm) -> None:
    manifests = to_manifests(form)
    opened = from_manifests(*manifests)
    assert opened.form.model_copy(update={"cluster": form.cluster}) == form
    assert to_manifests(opened.form, opened.rest) == manifests
