"""Reference normalisation and .dockerconfigjson credentials."""

from __future__ import annotations

import base64
import json

import pytest

from jobyard.cluster.node.images import (
    RegistryCredential,
    credential_for,
    credentials_from_dockerconfigjson,
    normalize_reference,
    parse_reference,
)

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "given, normalized",
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox:latest"),
        ("docker.io/busybox", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox:1", "docker.io/library/busybox:1"),
        ("user/x", "docker.io/user/x:latest"),
        ("user/x:v2", "docker.io/user/x:v2"),
        ("127.0.0.1:5000/a/b:t", "127.0.0.1:5000/a/b:t"),
        ("localhost/a", "localhost/a:latest"),
        ("localhost:5000/a", "localhost:5000/a:latest"),
        ("ghcr.io/org/team/app", "ghcr.io/org/team/app:latest"),
        ("quay.io/a_b/c__d/e-f.g:Tag_1.0-x", "quay.io/a_b/c__d/e-f.g:Tag_1.0-x"),
        (f"busybox@{DIGEST}", f"docker.io/library/busybox@{DIGEST}"),
        (f"busybox:1.36@{DIGEST}", f"docker.io/library/busybox:1.36@{DIGEST}"),
        (f"127.0.0.1:5000/a@{DIGEST}", f"127.0.0.1:5000/a@{DIGEST}"),
        ("[::1]:5000/a", "[::1]:5000/a:latest"),
    ],
)
def test_references_are_normalised_like_docker(given, normalized):
    assert normalize_reference(given) == normalized


def test_a_reference_parses_into_its_parts():
    reference = parse_reference(f"127.0.0.1:5000/a/b:t@{DIGEST}")

    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (
        "127.0.0.1:5000",
        "a/b",
        "t",
        DIGEST,
    )
    assert reference.api_host == "127.0.0.1:5000"
    assert reference.manifest_key == DIGEST


def test_docker_hub_is_reached_at_registry_1():
    reference = parse_reference("busybox")

    assert reference.registry == "docker.io"
    assert reference.api_host == "registry-1.docker.io"
    assert reference.manifest_key == "latest"


@pytest.mark.parametrize(
    "given, complaint",
    [
        ("", "empty"),
        (" busybox", "spaces"),
        ("Busybox", "lowercase"),
        ("busybox:", "tag"),
        ("busybox:-x", "tag"),
        ("busybox:" + "x" * 129, "tag"),
        ("busybox@sha256:abc", "digest"),
        ("busybox@md5:" + "a" * 32, "digest"),
        ("a//b", "component"),
        ("a/b/", "component"),
        ("-a", "component"),
        ("a..b", "component"),
        ("host:port:5000/a", "registry host"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_invalid_references_say_what_is_wrong(given, complaint):
    with pytest.raises(ValueError, match="invalid reference format") as raised:
        parse_reference(given)
    assert complaint in str(raised.value)


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def test_dockerconfigjson_credentials_are_read_for_hosts_and_urls():
    document = {
        "auths": {
            "https://index.docker.io/v1/": {"auth": _auth("hubuser", "hub:pass")},
            "127.0.0.1:5000": {"username": "local", "password": "pw"},
            "http://registry.example.com/v2/": {"auth": _auth("ex", "ample")},
            "nothing.example.com": {"email": "no credentials here"},
            "broken.example.com": {"auth": "not base64!"},
        }
    }

    credentials = credentials_from_dockerconfigjson(json.dumps(document).encode())

    assert credentials == [
        RegistryCredential("docker.io", "hubuser", "hub:pass"),
        RegistryCredential("127.0.0.1:5000", "local", "pw"),
        RegistryCredential("registry.example.com", "ex", "ample"),
    ]
    assert credential_for(parse_reference("busybox").registry, credentials) == credentials[0]
    assert credential_for("127.0.0.1:5000", credentials) == credentials[1]
    assert credential_for("127.0.0.1:5001", credentials) is None
    assert "hub:pass" not in repr(credentials[0])


@pytest.mark.parametrize("content", [b"not json", b"[]", b'{"auths": []}'])
def test_a_malformed_dockerconfigjson_is_refused(content):
    with pytest.raises(ValueError, match="dockerconfigjson"):
        credentials_from_dockerconfigjson(content)
