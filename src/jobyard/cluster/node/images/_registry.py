"""A client for the OCI distribution API (v2): manifests and blobs, with basic and bearer-token auth."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from jobyard.cluster.node.images._credentials import RegistryCredential, credential_for
from jobyard.cluster.node.images._errors import PullError
from jobyard.cluster.node.images._oci import (
    MANIFEST_ACCEPT,
    Descriptor,
    Manifest,
    is_index,
    parse_manifest,
    select_platform,
    sha256_digest,
)
from jobyard.cluster.node.images._reference import Reference

__all__ = ["RegistryClient", "ResolvedImage", "uses_plain_http"]

_AUTH_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]*))')
_CHUNK = 1 << 20
# Manifests and configs are read into memory; anything bigger is not one.
_MAX_DOCUMENT_BYTES = 4 << 20


@dataclass(frozen=True)
class ResolvedImage:
    """What a reference points at: the digest it resolved to and the platform manifest's content."""

    digest: str
    manifest: Manifest
    documents: dict[str, bytes]


def uses_plain_http(registry: str, insecure_registries: Iterable[str]) -> bool:
    """Loopback registries and those the operator listed speak HTTP; every other one HTTPS."""
    if registry in insecure_registries:
        return True
    host = registry.rsplit(":", 1)[0] if not registry.endswith("]") else registry
    host = host.strip("[]")
    if host in insecure_registries or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RegistryClient:
    """Talks to one repository of one registry for one pull; use as ``async with``."""

    def __init__(
        self,
        reference: Reference,
        *,
        credentials: Iterable[RegistryCredential] = (),
        insecure_registries: Iterable[str] = (),
        timeout: float = 30.0,
    ) -> None:
        self.reference = reference
        self._credential = credential_for(reference.registry, credentials)
        scheme = "http" if uses_plain_http(reference.registry, tuple(insecure_registries)) else "https"
        self._base = f"{scheme}://{reference.api_host}/v2/{reference.repository}"
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=True)
        self._authorization: str | None = None

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._client.aclose()

    def _fail(self, reason: str, *, not_found: bool = False, unauthorized: bool = False) -> PullError:
        return PullError(f"{self.reference}: {reason}", not_found=not_found, unauthorized=unauthorized)

    async def resolve(self) -> ResolvedImage:
        """Fetch the manifest (choosing this host's platform from an index) and the image config."""
        documents: dict[str, bytes] = {}
        data, digest, media_type = await self._manifest(self.reference.manifest_key)
        documents[digest] = data
        manifest_data = data
        try:
            if is_index(data, media_type):
                chosen = select_platform(data)
                manifest_data, _, _ = await self._manifest(chosen.digest)
                documents[chosen.digest] = manifest_data
            manifest = parse_manifest(manifest_data)
        except PullError as error:
            raise self._fail(error.message, not_found=error.not_found) from None
        documents[manifest.config.digest] = await self.fetch_document(manifest.config)
        return ResolvedImage(digest=digest, manifest=manifest, documents=documents)

    async def _manifest(self, key: str) -> tuple[bytes, str, str | None]:
        response = await self._send("GET", f"{self._base}/manifests/{key}", {"Accept": MANIFEST_ACCEPT})
        data = await self._read_small(response)
        digest = sha256_digest(data)
        if key.startswith("sha256:"):
            if digest != key:
                raise self._fail(f"manifest {key} failed verification: its content has digest {digest}")
        else:
            announced = response.headers.get("Docker-Content-Digest")
            if announced and announced.startswith("sha256:") and announced != digest:
                raise self._fail(f"manifest for tag {key} failed verification: registry says {announced}, got {digest}")
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip() or None
        return data, digest, media_type

    async def fetch_document(self, descriptor: Descriptor) -> bytes:
        """A small blob (a config) read into memory and verified."""
        response = await self._send("GET", f"{self._base}/blobs/{descriptor.digest}", {})
        data = await self._read_small(response)
        if sha256_digest(data) != descriptor.digest:
            raise self._fail(f"blob {descriptor.digest} failed verification: got {sha256_digest(data)}")
        return data

    async def fetch_blob(self, descriptor: Descriptor, destination: Path, progress: Callable[[int], None]) -> None:
        """Stream a blob into ``destination``, hashing as it arrives; raise unless the digest matches."""
        response = await self._send("GET", f"{self._base}/blobs/{descriptor.digest}", {})
        hasher = hashlib.sha256()
        received = 0
        try:
            with destination.open("wb") as sink:
                async for chunk in response.aiter_bytes(_CHUNK):
                    # Hashing and writing a megabyte is work for a thread, not the event loop.
                    await asyncio.to_thread(_write_and_hash, sink, hasher, chunk)
                    received += len(chunk)
                    progress(len(chunk))
        except httpx.HTTPError as error:
            raise self._fail(
                f"reading blob {descriptor.digest} from {self.reference.api_host}: {_describe(error)}"
            ) from None
        finally:
            await response.aclose()
        actual = "sha256:" + hasher.hexdigest()
        if actual != descriptor.digest or (descriptor.size >= 0 and received != descriptor.size):
            raise self._fail(
                f"blob {descriptor.digest} failed verification: got {actual} ({received} bytes, expected {descriptor.size})"
            )

    async def _read_small(self, response: httpx.Response) -> bytes:
        chunks, total = [], 0
        try:
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > _MAX_DOCUMENT_BYTES:
                    raise self._fail(f"{response.url.path} is larger than {_MAX_DOCUMENT_BYTES} bytes")
                chunks.append(chunk)
        except httpx.HTTPError as error:
            raise self._fail(f"reading {response.url.path}: {_describe(error)}") from None
        finally:
            await response.aclose()
        return b"".join(chunks)

    async def _send(self, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
        """Send, authenticating once when challenged; return a 2xx streaming response or raise PullError."""
        for attempt in range(2):
            request_headers = dict(headers)
            if self._authorization:
                request_headers["Authorization"] = self._authorization
            try:
                response = await self._client.send(
                    self._client.build_request(method, url, headers=request_headers), stream=True
                )
            except httpx.HTTPError as error:
                raise self._fail(f"cannot reach {self.reference.api_host}: {_describe(error)}") from None
            if response.status_code == 401 and attempt == 0:
                await response.aread()
                await response.aclose()
                if await self._authenticate(response):
                    continue
            if response.is_success:
                return response
            await response.aread()
            await response.aclose()
            raise self._fail(
                _registry_reason(response),
                not_found=response.status_code == 404,
                unauthorized=response.status_code in (401, 403),
            )
        raise AssertionError("unreachable: the second attempt always returns or raises")

    async def _authenticate(self, challenge: httpx.Response) -> bool:
        """Answer a 401's WWW-Authenticate; False when there is nothing to answer with."""
        header = challenge.headers.get("WWW-Authenticate", "")
        scheme, _, rest = header.partition(" ")
        params = {match[1].lower(): match[2] or match[3] for match in _AUTH_PARAM.finditer(rest)}
        credential = self._credential
        basic = httpx.BasicAuth(credential.username, credential.password) if credential else None
        if scheme.lower() == "basic":
            if credential is None:
                return False
            pair = f"{credential.username}:{credential.password}".encode()
            self._authorization = "Basic " + base64.b64encode(pair).decode()
            return True
        if scheme.lower() != "bearer" or "realm" not in params:
            return False
        query = {"scope": params.get("scope") or f"repository:{self.reference.repository}:pull"}
        if "service" in params:
            query["service"] = params["service"]
        try:
            response = await self._client.get(params["realm"], params=query, auth=basic or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as error:
            raise self._fail(f"cannot reach the token service {params['realm']}: {_describe(error)}") from None
        if not response.is_success:
            raise self._fail(
                f"token service {params['realm']} refused: {_registry_reason(response)}",
                unauthorized=response.status_code in (401, 403),
            )
        try:
            body = response.json()
            token = body.get("token") or body.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise self._fail(f"token service {params['realm']} answered without a token")
        self._authorization = f"Bearer {token}"
        return True


def _write_and_hash(sink: IO[bytes], hasher: hashlib._Hash, chunk: bytes) -> None:
    hasher.update(chunk)
    sink.write(chunk)


def _registry_reason(response: httpx.Response) -> str:
    """Distribution's error body as its CLI prints it ("manifest unknown: manifest unknown"), else the status line."""
    try:
        errors = json.loads(response.content).get("errors")
    except (ValueError, AttributeError):
        errors = None
    if isinstance(errors, list) and errors:
        reasons = []
        for error in errors:
            if isinstance(error, dict):
                code = str(error.get("code", "")).lower().replace("_", " ")
                message = str(error.get("message", ""))
                reasons.append(f"{code}: {message}" if code and message else code or message)
        if reasons:
            return "; ".join(reasons)
    text = response.text.strip()[:200] if response.headers.get("Content-Type", "").startswith("text/") else ""
    status = f"{response.status_code} {response.reason_phrase}"
    return f"{status}: {text}" if text else status


def _describe(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    return text.replace("[Errno 111] ", "").lower() if "Connection refused" in text else text
