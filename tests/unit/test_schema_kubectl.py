"""Real kubectl (1.28 and 1.33) against our OpenAPI documents.

A stub API server answers discovery, serves the documents and echoes writes.
Writes must arrive with ``fieldValidation=Strict``: kubectl only sends it after
finding the parameter on the kind's PATCH operation in our OpenAPI.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from jobyard.cluster.kinds._base import ResourceType
from jobyard.cluster.schema import (
    OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
    openapi_v2,
    openapi_v2_protobuf,
    openapi_v3_group,
    openapi_v3_index,
)

RESOURCE_TYPES = (
    ResourceType("batch", "v1", "Job", "jobs", "job", True, "io.k8s.api.batch.v1.Job", subresources=("status",)),
    ResourceType(
        "", "v1", "Pod", "pods", "pod", True, "io.k8s.api.core.v1.Pod", subresources=("status", "eviction", "log")
    ),
    ResourceType("", "v1", "Namespace", "namespaces", "namespace", False, "io.k8s.api.core.v1.Namespace"),
)
JOB_MANIFEST = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: busybox
        command: ["sh", "-c", "echo hi"]
"""
STORED_JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "pi", "namespace": "default"},
    "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "busybox"}]}}},
}


def kubectl_binary(version: str) -> str | None:
    found = shutil.which("kubectl")
    if found is None:
        return None
    candidate = Path(os.path.realpath(found)).parent / f"kubectl.{version}"
    return str(candidate) if candidate.exists() else None


def discovery(group_version: str) -> dict:
    resources = [
        {
            "name": each.plural,
            "singularName": each.singular,
            "namespaced": each.namespaced,
            "kind": each.kind,
            "verbs": list(each.verbs),
        }
        for each in RESOURCE_TYPES
        if each.group_version == group_version
    ]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def stub_app(writes: list[str]) -> Starlette:
    async def answer(request: Request) -> Response:
        path = request.url.path.rstrip("/")
        if path == "/version":
            return JSONResponse({"major": "1", "minor": "33", "gitVersion": "v1.33.0"})
        if path == "/api":
            return JSONResponse({"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            version = {"groupVersion": "batch/v1", "version": "v1"}
            group = {"name": "batch", "versions": [version], "preferredVersion": version}
            return JSONResponse({"kind": "APIGroupList", "apiVersion": "v1", "groups": [group]})
        if path in ("/api/v1", "/apis/batch/v1"):
            return JSONResponse(discovery(path.removeprefix("/api/").removeprefix("/apis/")))
        if path == "/openapi/v2":
            if "protobuf" in request.headers.get("accept", ""):
                return Response(openapi_v2_protobuf(RESOURCE_TYPES), media_type=OPENAPI_V2_PROTOBUF_CONTENT_TYPE)
            return JSONResponse(openapi_v2(RESOURCE_TYPES))
        if path == "/openapi/v3":
            return JSONResponse(openapi_v3_index(RESOURCE_TYPES))
        if path.startswith("/openapi/v3/"):
            group_version = path.removeprefix("/openapi/v3/").removeprefix("api/").removeprefix("apis/")
            return JSONResponse(openapi_v3_group(group_version, RESOURCE_TYPES))
        if request.method in ("POST", "PATCH"):
            writes.append(f"{request.method} {request.url.query}")
            return JSONResponse(STORED_JOB, status_code=201 if request.method == "POST" else 200)
        return JSONResponse(STORED_JOB)

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST", "PATCH"])])


@pytest.fixture
def stub_server() -> Iterator[tuple[str, list[str]]]:
    writes: list[str] = []
    # Listening before the server thread starts: kubectl's connections wait in
    # the backlog, so nothing has to poll for readiness.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(stub_app(writes), log_level="error", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", writes
    server.should_exit = True
    thread.join()
    listener.close()


COMMANDS = {
    "create validates on the server": (["create", "-f", "job.yaml", "--validate=true", "-o", "name"], "job.batch/pi"),
    "client-side apply finds patch metadata": (["apply", "-f", "job.yaml", "-o", "name"], "job.batch/pi"),
    "server-side apply": (["apply", "--server-side", "-f", "job.yaml", "-o", "name"], "job.batch/pi"),
    "explain reads the v3 schema": (["explain", "job.spec.template.spec.containers"], "imagePullPolicy"),
}


@pytest.mark.parametrize("version", ["1.28", "1.33"])
@pytest.mark.parametrize(("arguments", "expected"), COMMANDS.values(), ids=COMMANDS.keys())
def test_kubectl_accepts_our_documents(
    version: str, arguments: list[str], expected: str, stub_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    binary = kubectl_binary(version)
    if binary is None:
        print(f"kubectl.{version} is not installed beside kubectl on PATH")
        pytest.skip(f"kubectl.{version} is not installed beside kubectl on PATH")
    url, writes = stub_server
    (tmp_path / "job.yaml").write_text(JOB_MANIFEST)
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "none")}
    result = subprocess.run(
        [binary, f"--server={url}", *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert all("fieldValidation=Strict" in each for each in writes), json.dumps(writes)
