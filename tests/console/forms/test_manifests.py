import json

from jobyard.console.forms import (
    ContainerForm,
    LogForm,
    ServiceForm,
    ServicePortForm,
    StorageForm,
    needs_cluster_admin,
    to_manifests,
)

from .builders import valid_form


def test_defaults_follow_dce_scope() -> None:
    [job] = to_manifests(valid_form())
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (2, 2, 6)
    assert (spec["completionMode"], spec["suspend"]) == ("NonIndexed", False)
    assert "activeDeadlineSeconds" not in spec and "ttlSecondsAfterFinished" not in spec
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = pod["containers"][0]
    assert container["imagePullPolicy"] == "Always"
    assert container["securityContext"] == {"privileged": False}
    assert job["metadata"]["namespace"] == "default"


def test_the_job_and_its_pods_carry_the_app_label() -> None:
    [job] = to_manifests(valid_form())
    assert job["metadata"]["labels"] == {"app": "job-01"}
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "job-01"}


def test_always_pull_off_means_if_not_present() -> None:
    form = valid_form()
    form.containers[0].always_pull = False
    assert to_manifests(form)[0]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_the_description_is_an_annotation_on_the_job() -> None:
    form = valid_form()
    form.description = "nightly backup"
    assert to_manifests(form)[0]["metadata"]["annotations"] == {"jobyard.io/description": "nightly backup"}


def test_log_paths_become_emptydirs_and_the_node_annotation() -> None:
    form = valid_form()
    form.containers[0].logs = [LogForm(path="/var/log/app/*.log"), LogForm(path="/srv/logs")]
    [job] = to_manifests(form)
    pod = job["spec"]["template"]
    assert json.loads(pod["metadata"]["annotations"]["jobyard.io/log-paths"]) == {
        "main": ["/var/log/app/*.log", "/srv/logs/*"]
    }
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in mounts] == ["/var/log/app", "/srv/logs"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert all(volumes[m["name"]] == {"name": m["name"], "emptyDir": {}} for m in mounts)


def test_a_volume_named_in_two_containers_is_one_volume() -> None:
    form = valid_form()
    form.init_containers = [
        ContainerForm(name="fetch", image="busybox", storage=[StorageForm(mount_path="/work", volume_name="work")])
    ]
    form.containers[0].storage = [StorageForm(mount_path="/data", volume_name="work")]
    pod = to_manifests(form)[0]["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "work", "emptyDir": {}}]


def test_the_service_selects_the_jobs_pods_with_session_affinity_of_30_s() -> None:
    form = valid_form()
    form.service = ServiceForm(session_affinity=True, ports=[ServicePortForm(port=80, target_port=8080)])
    _, service = to_manifests(form)
    assert service["metadata"]["name"] == "job-01"
    assert service["spec"]["selector"] == {"app": "job-01"}
    assert service["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 30}}
    assert service["spec"]["type"] == "ClusterIP"


def test_privileged_containers_and_host_paths_need_cluster_admin() -> None:
    form = valid_form()
    assert not needs_cluster_admin(form)
    form.containers[0].privileged = True
    assert needs_cluster_admin(form)
    form.containers[0].privileged = False
    form.containers[0].storage = [StorageForm(type="hostPath", source="/data", mount_path="/data")]
    assert needs_cluster_admin(form)
