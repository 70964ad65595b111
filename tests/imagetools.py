"""Tiny container images from Debian's busybox-static, and real registries to push them to.

Images are written as OCI layouts (``oci:DIR:tag`` for skopeo). Registries are
Debian's ``docker-registry`` on a free loopback port, without auth, with
htpasswd, or with token auth whose token server runs here in a thread.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import zstandard
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

BUSYBOX = Path("/bin/busybox")
PATH_ENV = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
APPLETS = (
    "sh", "echo", "cat", "ls", "sleep", "id", "hostname", "ps", "env", "wget", "nc", "httpd", "true", "false",
    "mkdir", "touch", "rm", "cp", "mv", "ln", "pwd", "grep", "head", "tail", "wc", "test", "kill", "date",
    "uname", "whoami", "printf", "seq", "yes", "stat", "readlink", "mount", "df", "du", "chmod", "sed", "awk",
)  # fmt: skip
REMOVED_BY_LAYER_2 = "etc/removed-by-layer-2"
ADDED_BY_LAYER_2 = "etc/added-by-layer-2"
MISSING_BINARIES = [binary for binary in ("skopeo", "docker-registry") if shutil.which(binary) is None] + (
    [] if BUSYBOX.exists() else [str(BUSYBOX)]
)

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
_LAYER_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
_EPOCH = 1_700_000_000


# Layer tars


def entry(
    name: str, kind: bytes = tarfile.REGTYPE, *, data: bytes = b"", mode: int = 0o644, link: str = ""
) -> tuple[tarfile.TarInfo, bytes]:
    """One tar member: a file (default), a directory, a symlink, a hard link or a device, by ``kind``."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = _EPOCH
    info.linkname = link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    if kind in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        info.devmajor, info.devminor = 1, 3
    return info, data


def directory(name: str, mode: int = 0o755) -> tuple[tarfile.TarInfo, bytes]:
    return entry(name, tarfile.DIRTYPE, mode=mode)


def layer_tar(entries: Iterable[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    """An uncompressed layer tar, in PAX format like the ones registries hold."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def compress(tar: bytes, compression: str) -> bytes:
    if compression == "gzip":
        return gzip.compress(tar, mtime=0)
    if compression == "zstd":
        return zstandard.ZstdCompressor().compress(tar)
    assert compression == "none", compression
    return tar


def busybox_layers() -> list[bytes]:
    """Layer 1: busybox, its applets, /etc and /tmp. Layer 2: adds a file and whites out one of layer 1."""
    base = [directory("bin"), entry("bin/busybox", data=BUSYBOX.read_bytes(), mode=0o755)]
    base += [entry(f"bin/{applet}", tarfile.SYMTYPE, link="busybox", mode=0o777) for applet in APPLETS]
    base += [
        directory("etc"),
        entry("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"),
        entry("etc/group", data=b"root:x:0:\nnogroup:x:65534:\n"),
        entry(REMOVED_BY_LAYER_2, data=b"layer 1 only\n"),
        directory("tmp", 0o1777),
        directory("root", 0o700),
        directory("usr"),
        directory("usr/bin"),
        directory("sbin"),
    ]
    top = [directory("etc"), entry(ADDED_BY_LAYER_2, data=b"hello from layer 2\n"), entry("etc/.wh.removed-by-layer-2")]
    return [layer_tar(base), layer_tar(top)]


# OCI layouts


@dataclass
class Layout:
    """An OCI image layout being written: blobs by digest, and index.json's tagged manifests."""

    path: Path
    tagged: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (self.path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')

    def blob(self, data: bytes, media_type: str) -> dict[str, Any]:
        digest = hashlib.sha256(data).hexdigest()
        (self.path / "blobs" / "sha256" / digest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(data)}

    def image(
        self,
        layers: Sequence[bytes],
        *,
        compression: str = "gzip",
        entrypoint: Sequence[str] | None = None,
        cmd: Sequence[str] | None = ("sh",),
        env: Sequence[str] = (PATH_ENV,),
        working_dir: str = "",
        user: str = "",
        architecture: str = "amd64",
        diff_ids: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Write an image's layers, config and manifest; return the manifest's descriptor."""
        settings: dict[str, Any] = {"Env": list(env)}
        if entrypoint is not None:
            settings["Entrypoint"] = list(entrypoint)
        if cmd is not None:
            settings["Cmd"] = list(cmd)
        if working_dir:
            settings["WorkingDir"] = working_dir
        if user:
            settings["User"] = user
        config = {
            "created": "2024-01-01T00:00:00Z",
            "architecture": architecture,
            "os": "linux",
            "config": settings,
            "rootfs": {
                "type": "layers",
                "diff_ids": list(diff_ids or [f"sha256:{hashlib.sha256(layer).hexdigest()}" for layer in layers]),
            },
        }
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.blob(json.dumps(config).encode(), OCI_CONFIG),
            "layers": [self.blob(compress(layer, compression), _LAYER_TYPES[compression]) for layer in layers],
        }
        return self.blob(json.dumps(manifest).encode(), OCI_MANIFEST)

    def index(self, platforms: Sequence[tuple[dict[str, Any], str, str | None]]) -> dict[str, Any]:
        """An image index over (manifest descriptor, architecture, variant)."""
        entries = []
        for descriptor, architecture, variant in platforms:
            platform = {"os": "linux", "architecture": architecture} | ({"variant": variant} if variant else {})
            entries.append(descriptor | {"platform": platform})
        document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        return self.blob(json.dumps(document).encode(), OCI_INDEX)

    def tag(self, descriptor: dict[str, Any], name: str) -> Layout:
        self.tagged.append(descriptor | {"annotations": {"org.opencontainers.image.ref.name": name}})
        (self.path / "index.json").write_text(
            json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.tagged})
        )
        return self


def busybox_layout(path: Path, tag: str = "latest", **options: Any) -> Path:
    """The default test image as an OCI layout at ``path``; ``options`` go to ``Layout.image``."""
    layout = Layout(path)
    layout.tag(layout.image(busybox_layers(), **options), tag)
    return path


def oci_archive(layout: Path, archive: Path) -> Path:
    """A tar of an OCI layout, as ``skopeo copy … oci-archive:`` and ``docker save`` (25+) write."""
    with tarfile.open(archive, "w") as tar:
        for item in sorted(layout.rglob("*")):
            tar.add(item, arcname=str(item.relative_to(layout)), recursive=False)
    return archive


def docker_archive(layout: Path, tag: str, archive: Path, name: str) -> Path:
    """``docker save``'s format, written by skopeo from a layout's tagged image."""
    _skopeo("copy", f"oci:{layout}:{tag}", f"docker-archive:{archive}:{name}")
    return archive


def _skopeo(*arguments: str) -> None:
    result = subprocess.run(
        ["skopeo", "--insecure-policy", *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"skopeo {' '.join(arguments)} failed: {result.stderr.strip()}")


# Registries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Registry:
    """Debian's ``docker-registry`` serving plain HTTP on a loopback port; storage in ``workdir``."""

    def __init__(self, workdir: Path, auth: dict[str, Any] | None = None, username: str = "", password: str = ""):
        self.workdir = workdir
        self.storage = workdir / "storage"
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.username = username
        self.password = password
        config = {
            "version": 0.1,
            "log": {"level": "error", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(self.storage)}, "delete": {"enabled": True}},
            "http": {"addr": self.host, "secret": "jobyard-tests"},
        }
        if auth is not None:
            config["auth"] = auth
        (workdir / "config.json").write_text(json.dumps(config))
        self._log = (workdir / "registry.log").open("wb")
        self._process = subprocess.Popen(
            ["docker-registry", "serve", str(workdir / "config.json")], stdout=self._log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.workdir / 'registry.log').read_text()}")
            try:
                if httpx.get(f"http://{self.host}/v2/", timeout=1).status_code in (200, 401):
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("docker-registry did not answer within 20 s")

    @property
    def credentials(self) -> str | None:
        return f"{self.username}:{self.password}" if self.username else None

    def push(self, layout: Path, destination: str, *, tag: str = "latest", all_platforms: bool = False) -> str:
        """Copy ``oci:LAYOUT:tag`` to ``HOST/destination``; return the pushed reference."""
        reference = f"{self.host}/{destination}"
        arguments = ["copy", "--dest-tls-verify=false"]
        if self.credentials:
            arguments += ["--dest-creds", self.credentials]
        if all_platforms:
            arguments.append("--all")
        _skopeo(*arguments, f"oci:{layout}:{tag}", f"docker://{reference}")
        return reference

    def blob_file(self, digest: str) -> Path:
        """Where the registry keeps a blob, for tests that tamper with it."""
        encoded = digest.removeprefix("sha256:")
        return self.storage / "docker/registry/v2/blobs/sha256" / encoded[:2] / encoded / "data"

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


def htpasswd_registry(workdir: Path, username: str = "puller", password: str = "s3cret-pass") -> Registry:
    import bcrypt  # test extra; only this registry needs it

    line = f"{username}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
    (workdir / "htpasswd").write_text(line)
    auth = {"htpasswd": {"realm": "jobyard-tests", "path": str(workdir / "htpasswd")}}
    return Registry(workdir, auth, username, password)


class TokenServer:
    """The registry's token service: JWTs signed with a key the registry trusts through ``rootcertbundle``.

    Right credentials get every action asked for; no credentials get a token
    granting nothing; wrong ones get 401.
    """

    issuer = "jobyard-test-issuer"
    service = "jobyard-test-registry"

    def __init__(self, workdir: Path, username: str, password: str) -> None:
        self.username = username
        self.password = password
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jobyard test token signer")])
        now = datetime.datetime.now(datetime.UTC)
        self._certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.certificate_file = workdir / "token-signer.pem"
        self.certificate_file.write_bytes(self._certificate.public_bytes(serialization.Encoding.PEM))
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                status, body = server.answer(self.path, self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = f"http://127.0.0.1:{self._http.server_address[1]}/token"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        query = parse_qs(urlsplit(path).query)
        self.requests.append({"query": query, "authorization": bool(authorization)})
        granted: list[dict[str, Any]] = []
        if authorization:
            scheme, _, encoded = authorization.partition(" ")
            given = base64.b64decode(encoded).decode() if scheme.lower() == "basic" else ""
            if given != f"{self.username}:{self.password}":
                return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or password"}]}
            for scope in query.get("scope", []):
                kind, _, rest = scope.partition(":")
                repository, _, actions = rest.rpartition(":")
                granted.append({"type": kind, "name": repository, "actions": actions.split(",")})
        return 200, {"token": self._token(query.get("account", [""])[0], granted)}

    def _token(self, subject: str, access: list[dict[str, Any]]) -> str:
        now = int(time.time())
        header = {
            "typ": "JWT",
            "alg": "RS256",
            "x5c": [base64.b64encode(self._certificate.public_bytes(serialization.Encoding.DER)).decode()],
        }
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": os.urandom(8).hex(),
            "access": access,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(5)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenRegistry(Registry):
    def __init__(self, workdir: Path, username: str = "token-user", password: str = "token-pass") -> None:
        self.token_server = TokenServer(workdir, username, password)
        auth = {
            "token": {
                "realm": self.token_server.realm,
                "service": TokenServer.service,
                "issuer": TokenServer.issuer,
                "rootcertbundle": str(self.token_server.certificate_file),
            }
        }
        try:
            super().__init__(workdir, auth, username, password)
        except BaseException:
            self.token_server.stop()
            raise

    def stop(self) -> None:
        super().stop()
        self.token_server.stop()
