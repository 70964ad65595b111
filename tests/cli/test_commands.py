"""The client commands against a real console over a real embedded cluster (no node: the test moves pods).

The CLI runs in-process through Typer's runner, signed in once by ``jobyard login`` into a config
directory of the module's own; what depends on the language runs as a real ``python -m jobyard``,
whose texts are chosen when it starts.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from console.api.conftest import unique
from e2e.jobs_support import JobsApi
from jobyard.cli import app
from jobyard.console.forms import MESSAGES
from waiting import eventually

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def config_home(console, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where ``jobyard login`` left the admin's token, for every other command of the module."""
    home = tmp_path_factory.mktemp("config")
    password = console.running.admin_password
    result = run(home, "login", console.url, "--username", "admin", "--password-stdin", stdin=f"{password}\n")
    assert result.exit_code == 0, result.output
    return home


def run(config_home: Path, *args: str, stdin: str | None = None) -> Result:
    environ = {"XDG_CONFIG_HOME": str(config_home), "COLUMNS": "200", "JOBYARD_URL": None, "JOBYARD_TOKEN": None}
    return CliRunner().invoke(app, list(args), input=stdin, env=environ)


def run_json(config_home: Path, *args: str) -> Any:
    result = run(config_home, *args, "-o", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_process(config_home: Path, language: str, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "JOBYARD_LANG": language, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "jobyard", *args], capture_output=True, text=True, env=environ)


@pytest.fixture
def namespace(config_home: Path) -> str:
    name = unique("cli")
    assert run(config_home, "ns", "create", name, "--cluster", "local").exit_code == 0
    return name


@pytest.fixture
def pods(kube_cluster, namespace) -> Iterator[JobsApi]:
    api = JobsApi(kube_cluster, namespace)
    yield api
    api.close()


def job_args(name: str, namespace: str, *more: str) -> list[str]:
    return ["job", "create", name, "-c", "local", "-n", namespace, "--image", "busybox:1.36", *more]


def status_of(config_home: Path, namespace: str, name: str) -> str:
    detail = run_json(config_home, "job", "get", name, "-c", "local", "-n", namespace)
    return str(detail["summary"]["status"]["code"])


def expect(condition: bool) -> None:
    assert condition


# Signing in, users and roles


def test_login_keeps_the_url_and_a_token_only_the_user_may_read(config_home, console):
    path = config_home / "jobyard" / "config.json"
    saved = json.loads(path.read_text())
    assert saved["url"] == console.url
    assert saved["token"].startswith("jy_")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "admin" in [user["name"] for user in run_json(config_home, "user", "list")]


def test_a_wrong_password_is_one_sentence_and_exit_code_1(console, tmp_path):
    result = run(tmp_path, "login", console.url, "-u", "admin", "--password-stdin", stdin="wrong\n")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "jobyard" / "config.json").exists()


def test_users_are_created_listed_granted_and_revoked(config_home, namespace):
    name = unique("user")
    created = run(config_home, "user", "create", name, "--password-stdin", "-o", "json", stdin=f"{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["isAdmin"] is False
    admin_name = unique("boss")
    assert (
        run(config_home, "user", "create", admin_name, "--admin", "--password-stdin", stdin=f"{PASSWORD}\n").exit_code
        == 0
    )

    granted = run(config_home, "grant", "ns-editor", name, "--cluster", "local", "--namespace", namespace)
    assert granted.exit_code == 0, granted.output
    users = {user["name"]: user for user in yaml.safe_load(run(config_home, "user", "list", "-o", "yaml").stdout)}
    assert users[name]["bindings"] == [{"role": "ns-editor", "cluster": "local", "namespace": namespace}]
    assert users[admin_name]["isAdmin"] is True
    assert name in run(config_home, "user", "list").stdout

    revoked = run(config_home, "revoke", "ns-editor", name, "-c", "local", "-n", namespace)
    assert revoked.exit_code == 0, revoked.output
    users = {user["name"]: user for user in run_json(config_home, "user", "list")}
    assert users[name]["bindings"] == []


def test_a_cluster_role_on_a_namespace_is_refused_with_the_fields_reason(config_home, namespace):
    result = run(config_home, "grant", "cluster-admin", "admin", "-c", "local", "-n", namespace)
    assert result.exit_code == 1
    assert "namespace:" in result.stderr


# Clusters and namespaces


def test_clusters_and_namespaces(config_home):
    clusters = run_json(config_home, "cluster", "list")
    assert [cluster["name"] for cluster in clusters] == ["local"]
    assert "local" in run(config_home, "cluster", "list").stdout

    name = unique("ns")
    created = run(config_home, "ns", "create", name, "-c", "local", "--label", "team=a", "-o", "json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["labels"]["team"] == "a"
    assert name in [ns["name"] for ns in run_json(config_home, "ns", "list", "-c", "local")]

    assert run(config_home, "ns", "delete", name, "-c", "local").exit_code == 0

    def gone_or_terminating() -> None:
        phases = {ns["name"]: ns["phase"] for ns in run_json(config_home, "ns", "list", "-c", "local")}
        assert phases.get(name, "Terminating") == "Terminating", phases

    eventually(gone_or_terminating)


# Jobs


def test_a_job_from_flags_carries_every_flag_into_its_manifests(config_home, namespace):
    args = job_args(
        "flags-01",
        namespace,
        "--instances", "3",
        "--parallelism", "1",
        "--timeout", "600",
        "--indexed",
        "--command", "sh -c 'echo hi'",
        "--env", "GREETING=hello",
        "--label", "team=a",
        "--annotation", "note=x",
        "--cpu-request", "100m",
        "--memory-limit", "64Mi",
        "--service-port", "80:8080",
    )  # fmt: skip
    result = run(config_home, *args)
    assert result.exit_code == 0, result.output
    assert "flags-01" in result.stdout

    detail = run_json(config_home, "job", "get", "flags-01", "-c", "local", "-n", namespace)
    spec = detail["job"]["spec"]
    assert (spec["completions"], spec["parallelism"], spec["activeDeadlineSeconds"], spec["completionMode"]) == (
        3,
        1,
        600,
        "Indexed",
    )
    (container,) = spec["template"]["spec"]["containers"]
    assert container["image"] == "busybox:1.36"
    assert container["command"] == ["sh", "-c", "echo hi"]
    assert {"name": "GREETING", "value": "hello"} in container["env"]
    assert container["resources"] == {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}}
    assert detail["job"]["metadata"]["labels"]["team"] == "a"
    assert detail["job"]["metadata"]["annotations"]["note"] == "x"
    assert [(port["port"], port["targetPort"]) for port in detail["service"]["spec"]["ports"]] == [(80, 8080)]

    listed = yaml.safe_load(run(config_home, "job", "list", "-c", "local", "-n", namespace, "-o", "yaml").stdout)
    assert [item["name"] for item in listed["items"]] == ["flags-01"]
    assert "flags-01" in run(config_home, "job", "list").stdout
    assert "0/3" in run(config_home, "job", "get", "flags-01", "-c", "local", "-n", namespace).stdout


def test_a_form_file_is_sent_as_is_and_a_dry_run_stores_nothing(config_home, namespace, tmp_path):
    form = {
        "instances": 1,
        "containers": [{"name": "work", "image": "busybox:1.36", "lifecycle": {"command": ["true"]}}],
        "advanced": {"parallelism": 1, "backoffLimit": 0},
    }
    path = tmp_path / "form.yaml"
    path.write_text(yaml.safe_dump(form))

    checked = run_json(
        config_home, "job", "create", "file-01", "-c", "local", "-n", namespace, "-f", str(path), "--dry-run"
    )
    assert checked["dryRun"] is True
    assert checked["manifests"][0]["spec"]["backoffLimit"] == 0
    assert run_json(config_home, "job", "list", "-c", "local", "-n", namespace)["items"] == []

    created = run(config_home, "job", "create", "file-01", "-c", "local", "-n", namespace, "-f", str(path))
    assert created.exit_code == 0, created.output
    detail = run_json(config_home, "job", "get", "file-01", "-c", "local", "-n", namespace)
    assert [c["name"] for c in detail["job"]["spec"]["template"]["spec"]["containers"]] == ["work"]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_field_errors_are_printed_per_field_in_the_users_language(config_home, namespace, language):
    result = run_process(config_home, language, *job_args("Job_01", namespace, "--cpu-request", "lots"))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    name_line = next(line for line in lines if line.strip().startswith("name (NAME):"))
    assert any(line.strip().startswith("containers[0].resources.cpuRequest (--cpu-request):") for line in lines)
    if language == "en":
        assert MESSAGES["nameCharacters"] in name_line
        assert lines[0].startswith("Error:")
    else:
        assert MESSAGES["nameCharacters"] not in name_line
        assert any("\u4e00" <= character <= "\u9fff" for character in name_line)
        assert lines[0].startswith("错误：")


def test_suspend_resume_and_delete_with_cascade(config_home, namespace, pods):
    assert run(config_home, *job_args("life-01", namespace, "--instances", "1")).exit_code == 0
    (pod,) = pods.wait_active("life-01", 1)
    place = ["-c", "local", "-n", namespace]

    suspended = run(config_home, "job", "suspend", "life-01", *place, "-o", "json")
    assert suspended.exit_code == 0, suspended.output
    assert json.loads(suspended.stdout)["spec"]["suspend"] is True
    eventually(lambda: expect(status_of(config_home, namespace, "life-01") == "Suspended"))
    assert run(config_home, "job", "resume", "life-01", *place).exit_code == 0
    eventually(lambda: expect(status_of(config_home, namespace, "life-01") != "Suspended"))

    (pod,) = pods.wait_active("life-01", 1)
    deleted = run(config_home, "job", "delete", "life-01", *place, "--cascade", "Orphan")
    assert deleted.exit_code == 0, deleted.output
    gone = run(config_home, "job", "get", "life-01", *place)
    assert gone.exit_code == 1
    assert not pods.get(pods.pod_url(pod))["metadata"].get("ownerReferences")


def test_logs_of_a_job_without_pods_say_so(config_home, namespace):
    assert run(config_home, *job_args("quiet-01", namespace, "--instances", "1", "--label", "x=y")).exit_code == 0
    assert run(config_home, "job", "suspend", "quiet-01", "-c", "local", "-n", namespace).exit_code == 0
    eventually(lambda: expect(status_of(config_home, namespace, "quiet-01") == "Suspended"))

    result = run(config_home, "job", "logs", "quiet-01", "-c", "local", "-n", namespace)
    assert result.exit_code == 1
    assert "quiet-01" in result.stderr


def test_logs_of_a_job_deleted_with_cascade_orphan_come_from_the_pods_it_left(config_home, namespace, pods):
    assert run(config_home, *job_args("left-01", namespace, "--instances", "1")).exit_code == 0
    (pod,) = pods.wait_active("left-01", 1)
    place = ["-c", "local", "-n", namespace]
    assert run(config_home, "job", "delete", "left-01", *place, "--cascade", "Orphan").exit_code == 0
    eventually(lambda: expect(not pods.get(pods.pod_url(pod))["metadata"].get("ownerReferences")))

    result = run(config_home, "job", "logs", "left-01", *place)

    assert result.exit_code == 0, result.output
    # No node runs the pod here, so its line says why there is no log; the pod is still found.
    assert result.stdout.startswith(f"[{pod['metadata']['name']}] "), result.output


def drive_pods(pods: JobsApi, name: str, count: int, outcome: Callable[[dict[str, Any]], object]) -> threading.Thread:
    """Plays the kubelet in the background while the command under test waits in the foreground."""

    def finish() -> None:
        for pod in pods.wait_active(name, count):
            outcome(pod)

    thread = threading.Thread(target=finish, daemon=True)
    thread.start()
    return thread


def test_wait_follows_the_job_to_completed_with_exit_code_0(config_home, namespace, pods):
    driver = drive_pods(pods, "wait-01", 2, pods.succeed)

    result = run(config_home, *job_args("wait-01", namespace, "--instances", "2", "--parallelism", "2", "--wait"))

    driver.join(15)
    assert result.exit_code == 0, result.output
    assert "2/2" in result.stderr


def test_wait_on_a_job_that_fails_exits_1(config_home, namespace, pods, tmp_path):
    path = tmp_path / "form.yaml"
    path.write_text(yaml.safe_dump({"advanced": {"backoffLimit": 0}}))
    driver = drive_pods(pods, "wait-02", 1, pods.fail)

    result = run(config_home, *job_args("wait-02", namespace, "-f", str(path), "--instances", "1", "--wait"))

    driver.join(15)
    assert result.exit_code == 1, result.output
    assert "0/1" in result.stderr


# Reaching the console


def test_a_console_that_is_not_there_is_one_clear_sentence(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    result = run(tmp_path, "login", url, "-u", "admin", "--password-stdin", stdin="x\n")
    assert result.exit_code == 1
    assert url in result.stderr
    assert "Traceback" not in result.output


def test_without_login_the_commands_say_how_to_log_in(tmp_path):
    result = run(tmp_path, "job", "list")
    assert result.exit_code == 1
    assert "jobyard login" in result.stderr
