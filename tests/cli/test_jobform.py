"""``job create``'s options as the wizard's form, and the client modules' independence from the servers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer

from jobyard.cli import jobform
from jobyard.cli.jobform import JobOptions, job_form

CLIENT_MODULES = ["account", "client", "clusters", "jobform", "jobs", "output", "pairs"]


def test_options_fill_the_form_a_file_gave_and_keep_the_rest():
    document = {
        "form": {
            "name": "old",
            "containers": [{"name": "work", "image": "old:1", "env": [{"name": "A", "value": "1"}]}],
            "advanced": {"backoffLimit": 0, "parallelism": 1},
        },
        "rest": [{"kind": "Job"}],
    }
    body = job_form("new-01", JobOptions(image="busybox:1.36", env={"B": "2"}, instances=4), document)

    form = body["form"]
    assert body["rest"] == [{"kind": "Job"}]
    assert (form["name"], form["instances"]) == ("new-01", 4)
    assert form["containers"][0]["name"] == "work"
    assert form["containers"][0]["image"] == "busybox:1.36"
    assert [row["name"] for row in form["containers"][0]["env"]] == ["A", "B"]
    assert form["advanced"] == {"backoffLimit": 0, "parallelism": 1}


def test_a_bare_form_is_wrapped_and_parallelism_never_exceeds_fewer_instances():
    body = job_form("one-01", JobOptions(instances=1), {"description": "x"})
    assert body == {"form": {"description": "x", "name": "one-01", "instances": 1, "advanced": {"parallelism": 1}}}


@pytest.mark.parametrize(
    "text, port",
    [
        ("80", {"name": "tcp-80", "port": 80, "targetPort": 80, "protocol": "TCP"}),
        ("53:5353/udp", {"name": "udp-53", "port": 53, "targetPort": 5353, "protocol": "UDP"}),
        ("443:https", {"name": "tcp-443", "port": 443, "targetPort": "https", "protocol": "TCP"}),
    ],
)
def test_service_ports_read_like_docker_run_p(text, port):
    assert job_form("svc-01", JobOptions(service_ports=[text]))["form"]["service"]["ports"] == [port]


def test_a_service_port_that_is_not_one_is_refused():
    with pytest.raises(typer.BadParameter):
        job_form("svc-01", JobOptions(service_ports=["http"]))


@pytest.mark.parametrize("module", CLIENT_MODULES)
def test_the_client_commands_talk_http_and_import_no_server_code(module):
    source = Path(jobform.__file__).with_name(f"{module}.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {name for name in imported if name.startswith(("jobyard.console", "jobyard.cluster"))}
