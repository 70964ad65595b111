"""Helpers for console tests that reach real clusters: users, a session factory, and stand-in API servers.

The stand-ins are real HTTPS servers on 127.0.0.1 for what the embedded cluster
cannot show: a certificate that has expired or that no kubeconfig trusts, and
an API server with RBAC that refuses the kubeconfig's user.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from jobyard.console.db import RoleBinding, User

NOW = datetime.datetime(2027, 1, 1, 9, 0, tzinfo=datetime.UTC)


def add_user(db: Session, name: str, *, is_admin: bool = False, bindings: tuple[tuple[str, str, str | None], ...] = ()):
    """A user who never signs in (no real password hash), with (role, cluster, namespace) bindings."""
    user = User(name=name, password_hash="-", is_admin=is_admin, created=NOW, disabled=False, password_changed=NOW)
    user.bindings = [
        RoleBinding(role=role, cluster=cluster, namespace=namespace) for role, cluster, namespace in bindings
    ]
    db.add(user)
    db.commit()
    return user


def session_factory(db: Session) -> Callable[[], Session]:
    return sessionmaker(bind=db.get_bind(), expire_on_commit=False)


def kubeconfig(server: str, token: str, ca_pem: bytes | None = None, **user: Any) -> str:
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": cluster}],
            "users": [{"name": "u", "user": {"token": token, **user}}],
            "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "ctx",
        }
    )


def with_token(kubeconfig_text: str, token: str) -> str:
    document = yaml.safe_load(kubeconfig_text)
    for user in document["users"]:
        user["user"] = {"token": token}
    return yaml.safe_dump(document)


class Certificates:
    """A CA and a server certificate for 127.0.0.1 signed by it, valid when and as long as asked."""

    def __init__(self, *, expired: bool = False) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stand-in CA")])
        start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.key = ec.generate_private_key(ec.SECP256R1())
        lifetime = datetime.timedelta(days=1) if expired else datetime.timedelta(days=60)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + lifetime)
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .sign(self.ca_key, hashes.SHA256())
        )

    @property
    def ca_pem(self) -> bytes:
        return self.ca.public_bytes(serialization.Encoding.PEM)

    def server_context(self) -> ssl.SSLContext:
        directory = Path(tempfile.mkdtemp())
        (directory / "server.crt").write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        (directory / "server.key").write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "server.crt", directory / "server.key")
        return context


Route = Callable[[str, str], tuple[int, dict[str, Any]]]


class StandInApiServer:
    """An HTTPS server answering ``route(method, path) -> (status, JSON body)``."""

    def __init__(self, certificates: Certificates, route: Route) -> None:
        self.certificates = certificates
        self.requests: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append((self.command, self.path))
                status, body = route(self.command, self.path.split("?")[0])
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.socket = certificates.server_context().wrap_socket(self._http.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)


VERSION = {"major": "1", "minor": "33", "gitVersion": "v1.33.1", "platform": "linux/amd64"}


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }


def rbac_cluster(*, access_reviews: bool, allowed: bool) -> Route:
    """A cluster whose user may list nodes; jobs only if ``allowed``, told by access review or by a 403."""

    def route(method: str, path: str) -> tuple[int, dict[str, Any]]:
        if path == "/version":
            return 200, VERSION
        if path == "/api/v1/nodes":
            return 200, {
                "kind": "NodeList",
                "apiVersion": "v1",
                "metadata": {"resourceVersion": "7"},
                "items": [{}, {}],
            }
        if path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" and access_reviews:
            review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview"}
            return 201, {**review, "spec": {}, "status": {"allowed": allowed}}
        if path.startswith("/apis/batch/v1/namespaces/default/jobs"):
            if not allowed:
                return 403, status(403, "Forbidden", 'jobs.batch is forbidden: User "u" cannot list resource "jobs"')
            return 200, {"kind": "JobList", "apiVersion": "batch/v1", "metadata": {"resourceVersion": "7"}, "items": []}
        return 404, status(404, "NotFound", "the server could not find the requested resource")

    return route
