"""Who may talk to the API server, over what TLS, and the endpoints open to everyone."""

from __future__ import annotations

import socket

import httpx
import pytest
from cryptography import x509

from .support import assert_status, client_for, trusting


@pytest.mark.parametrize(
    "token",
    [pytest.param("", id="a request without a token is 401"), pytest.param("wrong", id="a wrong token is 401")],
)
def test_unauthenticated_requests_get_a_401_status(shared_cluster, token):
    with client_for(shared_cluster, token=token) as anonymous:
        assert_status(anonymous.get("/api/v1/namespaces"), 401, "Unauthorized")


def test_a_non_bearer_authorization_scheme_is_401(shared_cluster):
    with client_for(shared_cluster, token="") as anonymous:
        response = anonymous.get("/api/v1/namespaces", headers={"Authorization": f"Basic {shared_cluster.token}"})
    assert_status(response, 401, "Unauthorized")


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz"])
def test_health_endpoints_answer_ok_without_a_token(shared_cluster, path):
    with client_for(shared_cluster, token="") as anonymous:
        response = anonymous.get(path)
    assert (response.status_code, response.text) == (200, "ok")


def test_version_reports_a_minor_that_kubectl_dispatch_accepts(shared_cluster):
    with client_for(shared_cluster, token="") as anonymous:
        version = anonymous.get("/version").json()
    assert version["major"] == "1"
    assert 28 <= int(version["minor"].rstrip("+")) <= 33
    assert version["gitVersion"].startswith(f"v1.{version['minor'].rstrip('+')}.")


def test_metrics_count_requests_in_prometheus_format(api):
    api.get("/api/v1/namespaces")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    counters = [line for line in response.text.splitlines() if line.startswith("apiserver_request_total{")]
    assert any('verb="LIST"' in line and 'resource="namespaces"' in line for line in counters), counters


def test_metrics_need_a_token(shared_cluster):
    with client_for(shared_cluster, token="") as anonymous:
        assert_status(anonymous.get("/metrics"), 401, "Unauthorized")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_tls_verifies_against_the_generated_ca_by_name(shared_cluster, host):
    port = shared_cluster.config.api_port
    with httpx.Client(verify=trusting(shared_cluster)) as client:
        assert client.get(f"https://{host}:{port}/healthz").text == "ok"


def test_server_certificate_names_loopback_and_localhost(shared_cluster):
    context = trusting(shared_cluster)
    with socket.create_connection(("127.0.0.1", shared_cluster.config.api_port)) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            der = tls.getpeercert(binary_form=True)
    names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(address) for address in names.get_values_for_type(x509.IPAddress)]


def test_tls_rejects_a_client_that_does_not_trust_the_ca(shared_cluster):
    with httpx.Client() as client, pytest.raises(httpx.ConnectError):
        client.get(f"{shared_cluster.url}/healthz")
