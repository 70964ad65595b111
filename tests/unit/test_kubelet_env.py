"""The container environment and command, as the kubelet builds them."""

from __future__ import annotations

import base64

import pytest

from jobyard.cluster.node.kubelet._command import container_argv, image_user, resolve_user
from jobyard.cluster.node.kubelet._env import ConfigError, container_env, expand, field_value

POD = {
    "metadata": {
        "name": "pi-0-abc",
        "namespace": "ns",
        "uid": "u-1",
        "labels": {"batch.kubernetes.io/job-completion-index": "3", "app": "pi"},
        "annotations": {"note": 'say "hi"'},
    },
    "spec": {"nodeName": "node-a", "serviceAccountName": "default", "containers": [{"name": "main"}]},
}
CONFIG = {"data": {"COLOR": "blue", "SIZE": "2"}}
SECRET = {"data": {"PASSWORD": base64.b64encode(b"s3cret").decode()}}


def lookup(kind: str, name: str) -> dict | None:
    return {("configmaps", "settings"): CONFIG, ("secrets", "creds"): SECRET}.get((kind, name))


def env_of(container: dict, image_env: tuple[str, ...] = ()) -> dict[str, str]:
    return dict(container_env(POD, container, image_env, lookup, "10.88.0.5", "192.168.1.2", {"cpu": "2"}))


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("$(A)-$(B)", "1-2"),
        ("$(MISSING)", "$(MISSING)"),
        ("$$(A)", "$(A)"),
        ("cost $5", "cost $5"),
        ("$(A", "$(A"),
        ("end$", "end$"),
    ],
)
def test_expansion_follows_upstream(text, expanded):
    assert expand(text, {"A": "1", "B": "2"}) == expanded


def test_field_refs_read_the_pod():
    assert field_value(POD, "metadata.labels['batch.kubernetes.io/job-completion-index']", "", "") == "3"
    assert field_value(POD, "metadata.name", "", "") == "pi-0-abc"
    assert field_value(POD, "spec.nodeName", "", "") == "node-a"
    assert field_value(POD, "status.podIP", "10.0.0.1", "") == "10.0.0.1"
    assert field_value(POD, "metadata.annotations", "", "") == 'note="say \\"hi\\""'
    with pytest.raises(ValueError):
        field_value(POD, "spec.containers", "", "")


def test_env_precedence_image_then_env_from_then_env():
    container = {
        "name": "main",
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}, {"secretRef": {"name": "creds"}}],
        "env": [
            {"name": "PATH", "value": "/opt/bin:$(PATH)"},
            {"name": "CFG_COLOR", "value": "red"},
            {"name": "GREETING", "value": "index $(INDEX) of $(CFG_SIZE)"},
            {
                "name": "INDEX",
                "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['batch.kubernetes.io/job-completion-index']"}},
            },
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "PASSWORD"}}},
        ],
    }
    env = env_of(container, ("PATH=/bin", "HOME=/root"))
    assert env["PATH"] == "/opt/bin:/bin"
    assert env["HOME"] == "/root"
    assert env["CFG_COLOR"] == "red"
    assert env["PASSWORD"] == "s3cret"
    # INDEX is defined after GREETING, so it is not expanded there, as upstream.
    assert env["GREETING"] == "index $(INDEX) of 2"
    assert env["INDEX"] == "3"
    assert env["CPU"] == "2"
    assert env["PW"] == "s3cret"


def test_missing_sources_are_config_errors_unless_optional():
    with pytest.raises(ConfigError, match='configmap "nope" not found'):
        env_of({"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]})
    with pytest.raises(ConfigError, match="couldn't find key NOPE in Secret ns/creds"):
        env_of({"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "NOPE"}}}]})
    optional = {
        "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k", "optional": True}}}]
    }
    assert "X" not in env_of(optional)


def test_command_and_args_over_entrypoint_and_cmd():
    entrypoint, cmd = ("/entry",), ("default",)
    assert container_argv({}, entrypoint, cmd, {}) == ("/entry", "default")
    assert container_argv({"args": ["x"]}, entrypoint, cmd, {}) == ("/entry", "x")
    assert container_argv({"command": ["sh"]}, entrypoint, cmd, {}) == ("sh",)
    assert container_argv({"command": ["echo"], "args": ["$(N)"]}, entrypoint, cmd, {"N": "7"}) == ("echo", "7")
    with pytest.raises(ConfigError, match="no command specified"):
        container_argv({}, (), (), {})


def test_users_from_image_and_security_context(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n")
    (tmp_path / "etc" / "group").write_text("root:x:0:\nstaff:x:50:\n")
    assert image_user("", [tmp_path]) == (0, None)
    assert image_user("app", [tmp_path]) == (1000, 1001)
    assert image_user("app:staff", [tmp_path]) == (1000, 50)
    assert image_user("5:6", [tmp_path]) == (5, 6)
    with pytest.raises(ConfigError, match="unable to find user nobody"):
        image_user("nobody", [tmp_path])
    pod = {
        "metadata": {"name": "p"},
        "spec": {"securityContext": {"runAsUser": 2000, "fsGroup": 3000, "supplementalGroups": [7]}},
    }
    assert resolve_user(pod, {"securityContext": {"runAsGroup": 9}}, "app", [tmp_path]) == (2000, 9, (7, 3000))
    with pytest.raises(ConfigError, match="runAsNonRoot"):
        resolve_user({"metadata": {}, "spec": {}}, {"securityContext": {"runAsNonRoot": True}}, "", [tmp_path])
