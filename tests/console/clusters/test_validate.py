"""validate_kubeconfig: each way a kubeconfig can fail is one code with a message in both languages."""

from __future__ import annotations

import asyncio
import base64

import pytest

from conftest import free_port
from jobyard.console.clusters import validate_kubeconfig

from .support import Certificates, StandInApiServer, kubeconfig, rbac_cluster, with_token


def validate(text: str):
    return asyncio.run(validate_kubeconfig(text, timeout=5))


def test_a_working_kubeconfig_reports_version_and_nodes(api_cluster):
    result = validate(api_cluster.kubeconfig.read_text())
    assert result.ok and result.message("en") == ""
    assert result.version.startswith("v1.") and result.node_count == 0


def test_a_closed_port_is_unreachable(api_cluster):
    ca = api_cluster.ca_file.read_bytes()
    result = validate(kubeconfig(f"https://127.0.0.1:{free_port()}", "token", ca))
    assert result.code == "unreachable"
    assert "Cannot reach the cluster at https://127.0.0.1:" in result.message("en")
    assert "无法连接位于" in result.message("zh-CN")


def test_a_wrong_token_is_unauthorized(api_cluster):
    result = validate(with_token(api_cluster.kubeconfig.read_text(), "wrong"))
    assert result.code == "unauthorized"
    assert "拒绝了 kubeconfig 中的凭证" in result.message("zh-CN")


def test_an_expired_certificate_is_named():
    certificates = Certificates(expired=True)
    server = StandInApiServer(certificates, rbac_cluster(access_reviews=True, allowed=True))
    try:
        result = validate(kubeconfig(server.url, "token", certificates.ca_pem))
    finally:
        server.stop()
    assert result.code == "certificateExpired"
    assert "expired" in result.message("en") and "已过期" in result.message("zh-CN")


def test_a_certificate_from_another_authority_is_untrusted(api_cluster):
    server = StandInApiServer(Certificates(), rbac_cluster(access_reviews=True, allowed=True))
    try:
        result = validate(kubeconfig(server.url, "token", api_cluster.ca_file.read_bytes()))
    finally:
        server.stop()
    assert result.code == "certificateUntrusted"
    assert server.requests == []


@pytest.mark.parametrize("access_reviews", [True, False], ids=["access-review", "list-probe"])
def test_a_user_without_rights_is_refused(access_reviews):
    certificates = Certificates()
    server = StandInApiServer(certificates, rbac_cluster(access_reviews=access_reviews, allowed=False))
    try:
        result = validate(kubeconfig(server.url, "token", certificates.ca_pem))
    finally:
        server.stop()
    assert result.code == "forbidden"
    assert result.message("en").startswith("The kubeconfig's user may not list jobs.batch")


def test_rights_granted_by_access_review():
    certificates = Certificates()
    server = StandInApiServer(certificates, rbac_cluster(access_reviews=True, allowed=True))
    try:
        result = validate(kubeconfig(server.url, "token", certificates.ca_pem))
    finally:
        server.stop()
    assert (result.code, result.version, result.node_count) == (None, "v1.33.1", 2)
    reviews = [path for method, path in server.requests if "selfsubjectaccessreviews" in path]
    assert len(reviews) == 4


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not: [a, kubeconfig", "kubeconfigInvalid"),
        ("- a list", "kubeconfigInvalid"),
        ("clusters: []\ncontexts: []\n", "kubeconfigInvalid"),
    ],
)
def test_text_that_is_no_kubeconfig(text, code):
    result = validate(text)
    assert result.code == code
    assert result.message("zh-CN").startswith("这不是可用的 kubeconfig")


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ({"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "touch"}}, "exec"),
        ({"tokenFile": "/etc/shadow"}, "tokenFile"),
        ({"client-certificate": "/tmp/c.crt", "client-key": "/tmp/c.key"}, "client-certificate"),
    ],
)
def test_a_kubeconfig_reaching_outside_itself_is_refused_before_any_request(user, field):
    result = validate(kubeconfig("https://127.0.0.1:1", "token", **user))
    assert (result.code, result.params) == ("kubeconfigNotSelfContained", {"field": field})


def test_broken_certificate_data_is_an_invalid_kubeconfig():
    broken = kubeconfig("https://127.0.0.1:1", "token", base64.b64decode("bm90IGEgY2VydA=="))
    assert validate(broken).code == "kubeconfigInvalid"
