"""The node end to end: real images from a real registry, run in the sandbox, seen through the API and kubectl.

One cluster with its node serves the module (restart back-offs shortened);
each test has its own namespace. Images are the busybox test image pushed to
a docker-registry on 127.0.0.1 (tests/imagetools.py).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import RunningCluster, kubectl_binary, node_config
from waiting import eventually

from .jobs_support import conditions, is_true
from .support import Api, Kubectl, path

Obj = dict[str, Any]

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("bwrap") is None,
    reason="the sandbox runtime needs root and bubblewrap (CI installs bubblewrap and runs as root)",
)

WAIT = 30.0


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory) -> Iterator[RunningCluster]:
    running = RunningCluster(node_config(tmp_path_factory.mktemp("node") / "data")).start()
    yield running
    running.stop()


@pytest.fixture
def image(busybox_image: str) -> str:
    return busybox_image


def pod_template(image: str, script: str, restart_policy: str = "Never", **container: Any) -> Obj:
    return {
        "spec": {
            "restartPolicy": restart_policy,
            "containers": [{"name": "main", "image": image, "command": ["sh", "-c", script], **container}],
        }
    }


def run_job(api: Api, namespace: str, name: str, template: Obj, **spec: Any) -> Obj:
    manifest = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"template": template, **spec},
    }
    return api.post(path(namespace, "jobs"), manifest)


def finished_job(api: Api, namespace: str, name: str, timeout: float = WAIT) -> Obj:
    def check() -> Obj:
        job = api.get(path(namespace, "jobs", name))
        assert is_true(job, "Complete") or is_true(job, "Failed"), job.get("status")
        return job

    return eventually(check, timeout, 0.1)


def job_pods(api: Api, namespace: str, name: str) -> list[Obj]:
    listed = api.get(path(namespace, "pods") + f"?labelSelector=batch.kubernetes.io/job-name={name}")
    return listed["items"]


def logs(api: Api, namespace: str, pod: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.request("GET", path(namespace, "pods", pod) + "/log" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.text
    return response.text


def run_pod(api: Api, namespace: str, name: str, spec: Obj) -> Obj:
    return api.post(
        path(namespace, "pods"), {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    )


def pod_phase(api: Api, namespace: str, name: str, *phases: str, timeout: float = WAIT) -> Obj:
    def check() -> Obj:
        pod = api.get(path(namespace, "pods", name))
        assert pod["status"].get("phase") in phases, pod["status"]
        return pod

    return eventually(check, timeout, 0.1)


def container_status(pod: Obj, name: str = "main") -> Obj:
    statuses = [s for s in pod["status"].get("containerStatuses") or [] if s["name"] == name]
    assert statuses, f"no status yet for container {name}: {pod['status']}"
    return statuses[0]


def events(api: Api, namespace: str, involved: str) -> list[Obj]:
    items = api.get(path(namespace, "events"))["items"]
    return [e for e in items if e["involvedObject"]["name"] == involved]


# -- jobs ------------------------------------------------------------------


def test_indexed_job_pods_echo_their_index(api, namespace, image):
    run_job(
        api,
        namespace,
        "echo",
        pod_template(image, "echo $JOB_COMPLETION_INDEX"),
        completions=5,
        parallelism=2,
        completionMode="Indexed",
    )
    job = finished_job(api, namespace, "echo")
    assert is_true(job, "Complete") and job["status"]["succeeded"] == 5
    assert job["status"]["completedIndexes"] == "0-4"
    pods = job_pods(api, namespace, "echo")
    printed = sorted(logs(api, namespace, p["metadata"]["name"]).strip() for p in pods)
    assert printed == ["0", "1", "2", "3", "4"]
    node = pods[0]["spec"]["nodeName"]
    for pod in pods:
        status = container_status(pod)
        assert status["state"]["terminated"]["reason"] == "Completed"
        assert status["imageID"].startswith(image.rsplit(":", 1)[0] + "@sha256:")
        assert pod["spec"]["nodeName"] == node and pod["status"]["podIP"]


def test_kubectl_logs_of_a_job(api, namespace, image, shared_cluster, tmp_path):
    binary = kubectl_binary("1.33")
    if binary is None:
        pytest.skip("kubectl.1.33 not found beside kubectl on PATH")
    kubectl = Kubectl(binary, shared_cluster.kubeconfig, namespace, tmp_path)
    run_job(api, namespace, "hello", pod_template(image, "echo hello from $(hostname); echo second line"))
    finished_job(api, namespace, "hello")
    assert kubectl.out("logs", "job/hello").splitlines()[-2:] == [
        "hello from " + job_pods(api, namespace, "hello")[0]["metadata"]["name"],
        "second line",
    ]
    assert kubectl.out("logs", "job/hello", "--tail=1").strip() == "second line"
    stamped = kubectl.out("logs", "job/hello", "--timestamps").splitlines()[-1]
    assert stamped.endswith(" second line") and stamped[:4].isdigit()


def test_follow_streams_until_the_container_ends(api, namespace, image):
    run_pod(api, namespace, "ticker", pod_template(image, "for i in 1 2 3; do echo tick $i; sleep 0.3; done")["spec"])
    pod_phase(api, namespace, "ticker", "Running", "Succeeded")
    assert logs(api, namespace, "ticker", follow="true").splitlines() == ["tick 1", "tick 2", "tick 3"]


def test_pod_failure_policy_fails_the_job_on_an_exit_code(api, namespace, image):
    policy = {
        "rules": [{"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}}]
    }
    run_job(api, namespace, "fatal", pod_template(image, "exit 42"), backoffLimit=6, podFailurePolicy=policy)
    job = finished_job(api, namespace, "fatal")
    failed = conditions(job)["Failed"]
    assert failed["reason"] == "PodFailurePolicy"
    assert "exit code 42" in failed["message"]
    assert len(job_pods(api, namespace, "fatal")) == 1


def test_backoff_limit_counts_real_failures(api, namespace, image):
    run_job(api, namespace, "flaky", pod_template(image, "exit 3"), backoffLimit=1)
    job = finished_job(api, namespace, "flaky")
    assert conditions(job)["Failed"]["reason"] == "BackoffLimitExceeded"
    assert job["status"]["failed"] == 2


def test_memory_limit_kills_with_oomkilled(api, namespace, image):
    script = "x=a; while true; do x=$x$x; done"
    template = pod_template(image, script, resources={"limits": {"memory": "32Mi"}})
    run_job(api, namespace, "hog", template, backoffLimit=0)
    finished_job(api, namespace, "hog")
    terminated = container_status(job_pods(api, namespace, "hog")[0])["state"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)


def test_liveness_probe_restarts_under_on_failure(api, namespace, image):
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 1, "failureThreshold": 1}
    script = "touch /tmp/healthy; sleep 1; rm /tmp/healthy; sleep 30"
    spec = pod_template(image, script, "OnFailure", livenessProbe=probe)["spec"]
    # sh as PID 1 ignores SIGTERM, so the kill waits out the grace period, as on any node.
    spec["terminationGracePeriodSeconds"] = 1
    run_pod(api, namespace, "sick", spec)

    def restarted() -> Obj:
        pod = api.get(path(namespace, "pods", "sick"))
        assert container_status(pod)["restartCount"] >= 1, pod["status"]
        return pod

    pod = eventually(restarted, WAIT, 0.2)
    last = container_status(pod)["lastState"]["terminated"]
    assert last["exitCode"] in (137, 143)
    reasons = {e["reason"] for e in events(api, namespace, "sick")}
    assert {"Unhealthy", "Killing"} <= reasons


def test_readiness_probe_gates_ready(api, namespace, image):
    probe = {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 1}
    run_pod(
        api, namespace, "gate", pod_template(image, "sleep 2; touch /tmp/ready; sleep 30", readinessProbe=probe)["spec"]
    )
    pod = pod_phase(api, namespace, "gate", "Running")
    assert container_status(pod)["ready"] is False

    def ready() -> Obj:
        pod = api.get(path(namespace, "pods", "gate"))
        ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert ready["Ready"] == "True" and container_status(pod)["ready"], pod["status"]
        return pod

    eventually(ready, WAIT, 0.2)
    api.delete(path(namespace, "pods", "gate") + "?gracePeriodSeconds=1")


def test_active_deadline_kills_the_job_pods(api, namespace, image):
    template = pod_template(image, "sleep 60")
    template["spec"]["terminationGracePeriodSeconds"] = 1
    run_job(api, namespace, "slow", template, activeDeadlineSeconds=2)
    job = finished_job(api, namespace, "slow")
    assert conditions(job)["Failed"]["reason"] == "DeadlineExceeded"
    eventually(lambda: [] == [p for p in job_pods(api, namespace, "slow") if p["status"]["phase"] == "Running"], WAIT)


def test_env_from_configmap_secret_and_field_refs(api, namespace, image):
    api.post(path(namespace, "configmaps"), {"metadata": {"name": "settings"}, "data": {"COLOR": "blue"}})
    secret = {"metadata": {"name": "creds"}, "data": {"TOKEN": base64.b64encode(b"t0ken").decode()}}
    api.post(path(namespace, "secrets"), secret)
    env = [
        {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "COLOR"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}}},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "GREETING", "value": "hi $(POD)"},
    ]
    script = 'echo "$COLOR $TOKEN $POD $GREETING $MEM"; echo "$POD_IP"'
    run_pod(
        api, namespace, "envy", pod_template(image, script, env=env, resources={"limits": {"memory": "64Mi"}})["spec"]
    )
    pod = pod_phase(api, namespace, "envy", "Succeeded")
    first, second = logs(api, namespace, "envy").splitlines()
    assert first == "blue t0ken envy hi envy 64"
    assert second == pod["status"]["podIP"]


def test_missing_configmap_is_a_config_error(api, namespace, image):
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "k"}}}]
    run_pod(api, namespace, "lost", pod_template(image, "true", env=env)["spec"])

    def waiting() -> Obj:
        state = container_status(api.get(path(namespace, "pods", "lost")))["state"]
        assert state.get("waiting", {}).get("reason") == "CreateContainerConfigError", state
        return state

    assert eventually(waiting, WAIT)["waiting"]["message"] == 'configmap "absent" not found'


def test_every_volume_type(api, namespace, image, tmp_path):
    api.post(path(namespace, "configmaps"), {"metadata": {"name": "files"}, "data": {"app.conf": "mode=fast"}})
    api.post(
        path(namespace, "secrets"), {"metadata": {"name": "keys"}, "data": {"key": base64.b64encode(b"k3y").decode()}}
    )
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    (host_dir / "from-host").write_text("host file")
    volumes = [
        {"name": "scratch", "emptyDir": {}},
        {"name": "memory", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}},
        {"name": "config", "configMap": {"name": "files"}},
        {
            "name": "secret",
            "secret": {"secretName": "keys", "items": [{"key": "key", "path": "sub/key.txt", "mode": 0o400}]},
        },
        {
            "name": "downward",
            "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
        },
        {
            "name": "projected",
            "projected": {"sources": [{"configMap": {"name": "files"}}, {"secret": {"name": "keys"}}]},
        },
        {"name": "host", "hostPath": {"path": str(host_dir), "type": "Directory"}},
    ]
    mounts = [
        {"name": "scratch", "mountPath": "/scratch"},
        {"name": "memory", "mountPath": "/mem"},
        {"name": "config", "mountPath": "/etc/app"},
        {"name": "secret", "mountPath": "/secret"},
        {"name": "downward", "mountPath": "/info"},
        {"name": "projected", "mountPath": "/all"},
        {"name": "host", "mountPath": "/host"},
        {"name": "scratch", "mountPath": "/sub", "subPath": "nested"},
    ]
    script = (
        "echo written > /scratch/out; echo sub > /sub/inner; grep -q tmpfs /proc/mounts && echo mem-tmpfs; "
        "cat /etc/app/app.conf; echo; cat /secret/sub/key.txt; echo; cat /info/labels; echo; "
        "cat /all/app.conf /all/key; echo; cat /host/from-host; echo; "
        "touch /etc/app/new 2>/dev/null && echo config-writable || echo config-read-only; "
        "cat /scratch/nested/inner"
    )
    spec = pod_template(image, script, volumeMounts=mounts)["spec"]
    spec["volumes"] = volumes
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "vols", "labels": {"app": "vols"}},
        "spec": spec,
    }
    api.post(path(namespace, "pods"), manifest)
    pod_phase(api, namespace, "vols", "Succeeded", "Failed")
    assert logs(api, namespace, "vols").splitlines() == [
        "mem-tmpfs",
        "mode=fast",
        "k3y",
        'app="vols"',
        "mode=fastk3y",
        "host file",
        "config-read-only",
        "sub",
    ]


def test_private_registry_pull_with_and_without_the_secret(api, namespace, auth_registry, tmp_path):
    from imagetools import busybox_layout

    private = auth_registry.push(busybox_layout(tmp_path / "layout"), "private/busybox:1")
    run_pod(api, namespace, "denied", pod_template(private, "echo in")["spec"])

    def pull_failed() -> Obj:
        state = container_status(api.get(path(namespace, "pods", "denied")))["state"]
        assert state.get("waiting", {}).get("reason") in ("ErrImagePull", "ImagePullBackOff"), state
        return state

    eventually(pull_failed, WAIT)
    failures = [e["message"] for e in events(api, namespace, "denied") if e["reason"] == "Failed"]
    assert any("unauthorized" in message for message in failures), failures
    auth = base64.b64encode(f"{auth_registry.username}:{auth_registry.password}".encode()).decode()
    config = json.dumps({"auths": {auth_registry.host: {"auth": auth}}}).encode()
    secret = {
        "metadata": {"name": "pull"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }
    api.post(path(namespace, "secrets"), secret)
    spec = pod_template(private, "echo in")["spec"]
    spec["imagePullSecrets"] = [{"name": "pull"}]
    run_pod(api, namespace, "allowed", spec)
    pod_phase(api, namespace, "allowed", "Succeeded")
    assert logs(api, namespace, "allowed") == "in\n"


def test_isolation_from_the_host(api, namespace, image):
    os.environ["JOBYARD_HOST_SECRET"] = "leak"
    try:
        script = (
            "ps -o pid | wc -l; test -e /root/.bashrc && echo host-files || echo no-host-files; "
            'echo "secret=${JOBYARD_HOST_SECRET:-}"; '
            "mkdir -p /mnt/x; mount -t tmpfs none /mnt/x 2>/dev/null && echo mounted || echo mount-denied; "
            "hostname"
        )
        run_pod(api, namespace, "boxed", pod_template(image, script)["spec"])
        pod_phase(api, namespace, "boxed", "Succeeded")
    finally:
        del os.environ["JOBYARD_HOST_SECRET"]
    processes, files, secret, mount, hostname = logs(api, namespace, "boxed").splitlines()
    # The header, sh and ps (and wc): only the container's own processes.
    assert int(processes) <= 5
    assert (files, secret, mount, hostname) == ("no-host-files", "secret=", "mount-denied", "boxed")


def test_privileged_container_may_mount(api, namespace, image):
    script = "mkdir -p /mnt/x; mount -t tmpfs none /mnt/x && echo mounted"
    run_pod(api, namespace, "root", pod_template(image, script, securityContext={"privileged": True})["spec"])
    pod_phase(api, namespace, "root", "Succeeded")
    assert logs(api, namespace, "root") == "mounted\n"


def _asserting(action) -> None:
    """``action()``, with an OSError as an AssertionError, for eventually()."""
    try:
        action()
    except OSError as error:
        raise AssertionError(str(error)) from error


def test_service_reaches_a_job_pod_from_another_pod(api, namespace, image):
    if not Path("/run/netns").exists() and os.geteuid() != 0:
        pytest.skip("pods share the host network without root")
    server = pod_template(image, "mkdir -p /www; echo served > /www/index.html; httpd -f -p 8080 -h /www")
    server["metadata"] = {"labels": {"app": "web"}}
    server["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    server["spec"]["containers"][0]["readinessProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 1}
    run_job(api, namespace, "web", server, activeDeadlineSeconds=120)
    service = {
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]},
    }
    cluster_ip = api.post(path(namespace, "services"), service)["spec"]["clusterIP"]

    def endpoints_ready() -> Obj:
        endpoints = api.get(path(namespace, "endpoints", "web"))
        assert endpoints.get("subsets") and endpoints["subsets"][0].get("addresses"), endpoints
        return endpoints

    eventually(endpoints_ready, WAIT, 0.2)

    def proxied() -> None:
        # The node reaches ClusterIPs too; once it does, the service's rules are in place.
        with socket.create_connection((cluster_ip, 80), timeout=1):
            pass

    eventually(lambda: _asserting(proxied), WAIT, 0.2)
    client = pod_template(image, f"wget -q -O - http://{cluster_ip}/index.html")
    client["spec"]["restartPolicy"] = "OnFailure"
    run_pod(api, namespace, "client", client["spec"])
    pod_phase(api, namespace, "client", "Succeeded")
    assert logs(api, namespace, "client") == "served\n"


# -- bad input ----------------------------------------------------------------


def test_an_image_that_does_not_exist_backs_off(api, namespace, image_registry):
    missing = f"{image_registry.host}/nothing/here:1"
    run_pod(api, namespace, "ghost", pod_template(missing, "true")["spec"])

    def backing_off() -> Obj:
        state = container_status(api.get(path(namespace, "pods", "ghost")))["state"]
        assert state.get("waiting", {}).get("reason") == "ImagePullBackOff", state
        return state

    eventually(backing_off, WAIT)
    failures = [e["message"] for e in events(api, namespace, "ghost") if e["reason"] == "Failed"]
    assert any("manifest unknown" in message for message in failures), failures
    response = api.request("GET", path(namespace, "pods", "ghost") + "/log")
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == 'container "main" in pod "ghost" is waiting to start: trying and failing to pull image'
    )


def test_a_command_that_does_not_exist_is_a_start_error(api, namespace, image):
    spec = {"restartPolicy": "Never", "containers": [{"name": "main", "image": image, "command": ["nosuch-binary"]}]}
    run_pod(api, namespace, "typo", spec)
    pod = pod_phase(api, namespace, "typo", "Failed")
    terminated = container_status(pod)["state"]["terminated"]
    assert terminated["reason"] == "StartError"
    assert terminated["exitCode"] in (127, 128)
    assert "nosuch-binary" in terminated["message"]


def test_requests_larger_than_the_node_stay_pending(api, namespace, image):
    run_pod(api, namespace, "huge", pod_template(image, "true", resources={"requests": {"memory": "100Ti"}})["spec"])

    def unschedulable() -> Obj:
        pod = api.get(path(namespace, "pods", "huge"))
        scheduled = {c["type"]: c for c in pod["status"].get("conditions") or []}.get("PodScheduled") or {}
        assert scheduled.get("reason") == "Unschedulable", pod["status"]
        return scheduled

    assert "Insufficient memory" in eventually(unschedulable, WAIT)["message"]
    assert api.get(path(namespace, "pods", "huge"))["status"]["phase"] == "Pending"
    assert any(e["reason"] == "FailedScheduling" for e in events(api, namespace, "huge"))


def test_log_options_are_validated(api, namespace, image):
    run_pod(api, namespace, "quiet", pod_template(image, "echo done")["spec"])
    pod_phase(api, namespace, "quiet", "Succeeded")
    base = path(namespace, "pods", "quiet") + "/log"
    assert (
        api.request("GET", base + "?container=other").json()["message"] == "container other is not valid for pod quiet"
    )
    assert api.request("GET", base + "?previous=true").status_code == 400
    assert api.request("GET", base + "?tailLines=-1").status_code == 400
    assert api.request("GET", base + "?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z").status_code == 400


def test_files_named_in_log_paths_join_the_container_log(api, namespace, image):
    script = "echo to stdout; mkdir -p /var/log/app; echo from the file >> /var/log/app/run.log; sleep 1"
    spec = pod_template(image, script, volumeMounts=[{"name": "logs", "mountPath": "/var/log/app"}])["spec"]
    spec["volumes"] = [{"name": "logs", "emptyDir": {}}]
    annotations = {"jobyard.io/log-paths": json.dumps({"main": ["/var/log/app/*.log"]})}
    manifest = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "filer", "annotations": annotations},
        "spec": spec,
    }
    api.post(path(namespace, "pods"), manifest)
    pod_phase(api, namespace, "filer", "Succeeded")
    # Two sources, two readers: a file line may be read before the stdout line written just before it.
    assert sorted(logs(api, namespace, "filer").splitlines()) == ["[run.log] from the file", "to stdout"]


def test_lifecycle_hooks_run_in_the_container(api, namespace, image):
    lifecycle = {
        "postStart": {"exec": {"command": ["sh", "-c", "echo post-start > /shared/hook"]}},
        "preStop": {"exec": {"command": ["sh", "-c", "echo pre-stop >> /shared/hook"]}},
    }
    mounts = [{"name": "shared", "mountPath": "/shared"}]
    script = "sleep 0.5; cat /shared/hook; trap 'cat /shared/hook; exit 0' TERM; while true; do sleep 0.1; done"
    spec = pod_template(image, script, lifecycle=lifecycle, volumeMounts=mounts)["spec"]
    spec["volumes"] = [{"name": "shared", "emptyDir": {}}]
    spec["terminationGracePeriodSeconds"] = 5
    run_pod(api, namespace, "hooked", spec)
    pod_phase(api, namespace, "hooked", "Running")
    eventually(lambda: logs(api, namespace, "hooked").startswith("post-start"), WAIT)
    api.delete(path(namespace, "pods", "hooked"))

    def gone() -> None:
        assert not api.exists(path(namespace, "pods", "hooked"))

    eventually(gone, WAIT, 0.2)
    reasons = [e["reason"] for e in events(api, namespace, "hooked")]
    assert "Killing" in reasons


def test_the_official_python_client_reads_job_logs(api, namespace, image, shared_cluster):
    kubernetes = pytest.importorskip("kubernetes")
    run_job(api, namespace, "pyclient", pod_template(image, "echo via python"))
    finished_job(api, namespace, "pyclient")
    config = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(shared_cluster.kubeconfig), client_configuration=config)
    with kubernetes.client.ApiClient(config) as client:
        core = kubernetes.client.CoreV1Api(client)
        pods = core.list_namespaced_pod(namespace, label_selector="batch.kubernetes.io/job-name=pyclient").items
        assert core.read_namespaced_pod_log(pods[0].metadata.name, namespace) == "via python\n"
        assert pods[0].status.container_statuses[0].state.terminated.reason == "Completed"
