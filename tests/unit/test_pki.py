import base64
import ipaddress
import socket
import ssl
import stat
import time
from pathlib import Path

import kubernetes
import pytest
import yaml
from cryptography import x509
from lightkube.config.kubeconfig import KubeConfig

from jobyard.cluster.pki import ensure_admin_token, ensure_pki, server_names, write_kubeconfig

DAY = 86400.0


def sans(path: Path) -> set[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(name.value) for name in names}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def handshake(server_cert: Path, server_key: Path, ca_cert: Path, server_hostname: str) -> None:
    """A TLS handshake in memory, the client verifying the server as a real client would."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(server_cert, server_key)
    client_context = ssl.create_default_context(cafile=str(ca_cert))
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = client_context.wrap_bio(to_client, to_server, server_hostname=server_hostname)
    server = server_context.wrap_bio(to_server, to_client, server_side=True)
    for _ in range(10):
        done = 0
        for end in (client, server):
            try:
                end.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
        if done == 2:
            return
    raise AssertionError("handshake did not finish")


def test_server_certificate_covers_loopback_localhost_hostname_and_extra_hosts(tmp_path):
    pki = ensure_pki(tmp_path, ["10.1.2.3", "jobs.example.org"])

    assert sans(pki.server_cert) == {
        "127.0.0.1",
        "::1",
        "localhost",
        socket.gethostname().lower(),
        "10.1.2.3",
        "jobs.example.org",
    }


def test_wildcard_bind_address_is_not_a_certificate_name(tmp_path):
    names = server_names(["0.0.0.0", "::"])

    assert x509.IPAddress(ipaddress.ip_address("0.0.0.0")) not in names
    assert x509.IPAddress(ipaddress.ip_address("::")) not in names


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "::1", "jobs.example.org"])
def test_client_trusting_the_ca_accepts_the_server_under_each_name(tmp_path, name):
    pki = ensure_pki(tmp_path, ["jobs.example.org"])

    handshake(pki.server_cert, pki.server_key, pki.ca_cert, name)


def test_client_rejects_the_server_under_a_name_it_does_not_carry(tmp_path):
    pki = ensure_pki(tmp_path, [])

    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(pki.server_cert, pki.server_key, pki.ca_cert, "elsewhere.example.org")


def test_ca_is_a_ten_year_ca_and_signed_the_server_certificate(tmp_path):
    pki = ensure_pki(tmp_path, [])
    ca = x509.load_pem_x509_certificate(pki.ca_pem)
    server = x509.load_pem_x509_certificate(pki.server_cert.read_bytes())

    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    lifetime = ca.not_valid_after_utc - ca.not_valid_before_utc
    assert lifetime.days >= 3650
    server.verify_directly_issued_by(ca)
    assert pki.ca_cert.read_bytes() == pki.ca_pem


def test_every_pki_file_is_private(tmp_path):
    pki = ensure_pki(tmp_path, [])
    ensure_admin_token(tmp_path)

    assert mode(tmp_path / "pki") == 0o700
    for path in (tmp_path / "pki").iterdir():
        assert mode(path) == 0o600, path
    assert {p.name for p in (tmp_path / "pki").iterdir()} == {
        "ca.crt",
        "ca.key",
        "server.crt",
        "server.key",
        "admin.token",
    }
    assert pki.server_key.parent == tmp_path / "pki"


def test_later_start_reuses_ca_and_server_certificate(tmp_path):
    first = ensure_pki(tmp_path, ["10.1.2.3"])
    server_pem = first.server_cert.read_bytes()

    second = ensure_pki(tmp_path, ["10.1.2.3"])

    assert second.ca_pem == first.ca_pem
    assert second.server_cert.read_bytes() == server_pem


def test_server_certificate_is_reissued_when_hosts_change(tmp_path):
    first = ensure_pki(tmp_path, ["10.1.2.3"])
    server_pem = first.server_cert.read_bytes()

    second = ensure_pki(tmp_path, ["10.9.9.9"])

    assert second.ca_pem == first.ca_pem
    assert second.server_cert.read_bytes() != server_pem
    assert "10.9.9.9" in sans(second.server_cert)
    assert "10.1.2.3" not in sans(second.server_cert)


def test_server_certificate_is_kept_until_thirty_days_before_expiry(tmp_path):
    start = time.time()
    server_pem = ensure_pki(tmp_path, [], clock=lambda: start).server_cert.read_bytes()

    later = ensure_pki(tmp_path, [], clock=lambda: start + 330 * DAY)

    assert later.server_cert.read_bytes() == server_pem


def test_server_certificate_is_reissued_within_thirty_days_of_expiry(tmp_path):
    start = time.time()
    first = ensure_pki(tmp_path, [], clock=lambda: start)
    server_pem = first.server_cert.read_bytes()

    later = ensure_pki(tmp_path, [], clock=lambda: start + 340 * DAY)

    assert later.ca_pem == first.ca_pem
    assert later.server_cert.read_bytes() != server_pem
    cert = x509.load_pem_x509_certificate(later.server_cert.read_bytes())
    assert cert.not_valid_after_utc.timestamp() > start + 600 * DAY


def test_server_certificate_is_reissued_when_its_key_is_lost(tmp_path):
    first = ensure_pki(tmp_path, [])
    server_pem = first.server_cert.read_bytes()
    first.server_key.unlink()

    second = ensure_pki(tmp_path, [])

    assert second.server_cert.read_bytes() != server_pem
    handshake(second.server_cert, second.server_key, second.ca_cert, "localhost")


def test_server_certificate_is_reissued_when_the_ca_is_replaced(tmp_path):
    first = ensure_pki(tmp_path, [])
    (tmp_path / "pki" / "ca.key").unlink()

    second = ensure_pki(tmp_path, [])

    assert second.ca_pem != first.ca_pem
    handshake(second.server_cert, second.server_key, second.ca_cert, "localhost")


def test_admin_token_is_stable_across_restarts_and_private(tmp_path):
    token = ensure_admin_token(tmp_path)

    assert len(token) >= 32
    assert ensure_admin_token(tmp_path) == token
    assert mode(tmp_path / "pki" / "admin.token") == 0o600


def test_admin_tokens_of_two_data_dirs_differ(tmp_path):
    assert ensure_admin_token(tmp_path / "a") != ensure_admin_token(tmp_path / "b")


def test_kubeconfig_names_server_ca_and_token(tmp_path):
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, "https://127.0.0.1:6443", b"CA PEM", "s3cret")

    config = yaml.safe_load(path.read_text())

    assert config["kind"] == "Config"
    assert config["current-context"] == "jobyard"
    [cluster] = config["clusters"]
    assert cluster["name"] == "jobyard"
    assert cluster["cluster"]["server"] == "https://127.0.0.1:6443"
    assert base64.b64decode(cluster["cluster"]["certificate-authority-data"]) == b"CA PEM"
    assert config["users"] == [{"name": "jobyard", "user": {"token": "s3cret"}}]
    assert config["contexts"] == [{"name": "jobyard", "context": {"cluster": "jobyard", "user": "jobyard"}}]


def test_kubeconfig_replaces_an_old_file_with_mode_0600_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text("old")
    path.chmod(0o644)

    write_kubeconfig(path, "https://127.0.0.1:6443", b"CA PEM", "s3cret", cluster_name="lab")

    assert mode(path) == 0o600
    assert yaml.safe_load(path.read_text())["current-context"] == "lab"
    assert [p.name for p in tmp_path.iterdir()] == ["kubeconfig"]


def test_official_client_loads_the_kubeconfig(tmp_path):
    pki = ensure_pki(tmp_path, [])
    token = ensure_admin_token(tmp_path)
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, "https://127.0.0.1:6443", pki.ca_pem, token)

    configuration = kubernetes.client.Configuration()
    kubernetes.config.load_kube_config(config_file=str(path), client_configuration=configuration)

    assert configuration.host == "https://127.0.0.1:6443"
    assert configuration.api_key["BearerToken"] == f"Bearer {token}"
    assert Path(configuration.ssl_ca_cert).read_bytes() == pki.ca_pem


def test_consoles_client_loads_the_kubeconfig(tmp_path):
    pki = ensure_pki(tmp_path, [])
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, "https://127.0.0.1:6443", pki.ca_pem, "s3cret")

    context = KubeConfig.from_file(path).get()

    assert context.cluster.server == "https://127.0.0.1:6443"
    assert base64.b64decode(context.cluster.certificate_auth_data) == pki.ca_pem
    assert context.user.token == "s3cret"
