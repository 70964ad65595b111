"""The cluster's certificates, admin token and kubeconfig, kept in the data dir.

On first start a CA and a server certificate signed by it are generated under
``DIR/pki``; later starts reuse them, so kubeconfigs handed out earlier stay
valid. The server certificate is reissued when the names it must cover change
or it nears expiry. Every file is written atomically with mode 0600.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from jobyard.cluster.clock import Clock, system_clock

__all__ = ["Pki", "ensure_admin_token", "ensure_pki", "server_names", "write_kubeconfig"]

CA_LIFETIME = timedelta(days=3650)
SERVER_CERT_LIFETIME = timedelta(days=365)
RENEW_BEFORE_EXPIRY = timedelta(days=30)
# Certificates start an hour in the past so a client whose clock is slightly
# behind ours does not reject a freshly issued one.
CLOCK_SKEW = timedelta(hours=1)

_ALWAYS_COVERED = ("127.0.0.1", "::1", "localhost")

SubjectName = x509.DNSName | x509.IPAddress


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    ca_pem: bytes


def ensure_pki(data_dir: Path, hosts: list[str], *, clock: Clock = system_clock) -> Pki:
    """Load the CA and server certificate from ``data_dir``, creating what is missing.

    The server certificate covers loopback, ``localhost``, this machine's host
    name and every entry of ``hosts`` (names or IP addresses).
    """
    now = datetime.fromtimestamp(clock(), UTC)
    directory = _pki_dir(data_dir)
    ca_cert_path, ca_key_path = directory / "ca.crt", directory / "ca.key"
    server_cert_path, server_key_path = directory / "server.crt", directory / "server.key"

    ca = _load_pair(ca_cert_path, ca_key_path)
    if ca is None or _expires_soon(ca[0], now):
        ca = _new_ca(now)
        _write_private(ca_key_path, _key_pem(ca[1]))
        _write_private(ca_cert_path, ca[0].public_bytes(serialization.Encoding.PEM))
    ca_cert, ca_key = ca

    wanted = server_names(hosts)
    server = _load_pair(server_cert_path, server_key_path)
    if server is None or not _still_good(server[0], ca_cert, wanted, now):
        cert, key = _new_server_cert(ca_cert, ca_key, wanted, now)
        _write_private(server_key_path, _key_pem(key))
        _write_private(server_cert_path, cert.public_bytes(serialization.Encoding.PEM))

    return Pki(
        ca_cert=ca_cert_path,
        server_cert=server_cert_path,
        server_key=server_key_path,
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
    )


def server_names(hosts: list[str]) -> frozenset[SubjectName]:
    """The subject alternative names a server certificate for ``hosts`` carries."""
    names: set[SubjectName] = set()
    for host in (*_ALWAYS_COVERED, socket.gethostname(), *hosts):
        host = host.strip().strip("[]")
        if not host:
            continue
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            names.add(x509.DNSName(host.lower()))
            continue
        # A wildcard bind address is never what a client dials.
        if not address.is_unspecified:
            names.add(x509.IPAddress(address))
    return frozenset(names)


def ensure_admin_token(data_dir: Path) -> str:
    """The admin bearer token, generated once and kept in ``DIR/pki/admin.token``."""
    path = _pki_dir(data_dir) / "admin.token"
    if path.exists():
        token = path.read_text().strip()
        if token:
            return token
    token = secrets.token_urlsafe(32)
    _write_private(path, (token + "\n").encode())
    return token


def write_kubeconfig(path: Path, server_url: str, ca_pem: bytes, token: str, cluster_name: str = "jobyard") -> None:
    """Write a kubeconfig whose only context reaches ``server_url`` as the admin."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {
                    "server": server_url,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
                },
            }
        ],
        "users": [{"name": cluster_name, "user": {"token": token}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
        "preferences": {},
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False).encode())


def _pki_dir(data_dir: Path) -> Path:
    directory = data_dir / "pki"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _write_private(path: Path, data: bytes) -> None:
    # A reader (kubectl, a restarting server) sees the old file or the new one,
    # never half of one; mkstemp creates the file 0600 before anything is in it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _load_pair(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """A certificate and its key, or None when either is missing, unreadable or they differ."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (FileNotFoundError, ValueError, TypeError, UnsupportedAlgorithm):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return None
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        return None
    return cert, key


def _still_good(
    cert: x509.Certificate,
    ca_cert: x509.Certificate,
    wanted: frozenset[SubjectName],
    now: datetime,
) -> bool:
    if _expires_soon(cert, now):
        return False
    try:
        cert.verify_directly_issued_by(ca_cert)
        present = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return frozenset(present) == wanted


def _expires_soon(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_after_utc - now < RENEW_BEFORE_EXPIRY


def _new_ca(now: datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jobyard-ca")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _new_server_cert(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: frozenset[SubjectName],
    now: datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jobyard-apiserver")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + SERVER_CERT_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sorted(names, key=str)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_der(key: CertificatePublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
