"""An async Kubernetes client made from kubeconfig text, speaking plain dicts.

lightkube does the verbs with generic resources (:mod:`._kinds`); its kubeconfig
handling builds the TLS context and credentials. Two calls need bytes or paths
lightkube does not offer, ``/version`` and ``pods/log`` (lightkube decodes logs
into lines, holding back a partial line while following), so those go through an
httpx client that lightkube's own adapter builds from the same kubeconfig.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx2
import orjson
import yaml
from lightkube import AsyncClient, KubeConfig
from lightkube.config.client_adapter import AsyncClient as adapter_async_client
from lightkube.config.client_adapter import ConnectionParams
from lightkube.config.kubeconfig import SingleConfig
from lightkube.core.client import FieldSelector, LabelSelector
from lightkube.core.exceptions import ConfigError
from lightkube.types import CascadeType, PatchType

from ._errors import KubeError, kube_errors, status_error
from ._kinds import NODES, Kind, kind_of

__all__ = [
    "FIELD_MANAGER",
    "InvalidKubeconfig",
    "KubeClient",
    "ObjectList",
    "PatchStrategy",
    "Propagation",
    "WatchEvent",
    "parse_kubeconfig",
]

FIELD_MANAGER = "jobyard-console"
DEFAULT_TIMEOUT_SECONDS = 10.0
_LIST_CHUNK = 500


class InvalidKubeconfig(ValueError):
    """The text is not a kubeconfig with a current context naming a cluster and a user."""


class PatchStrategy(StrEnum):
    MERGE = PatchType.MERGE.value
    STRATEGIC = PatchType.STRATEGIC.value


class Propagation(StrEnum):
    """``propagationPolicy`` of a DELETE: what becomes of the object's dependents (a Job's pods)."""

    ORPHAN = CascadeType.ORPHAN.value
    BACKGROUND = CascadeType.BACKGROUND.value
    FOREGROUND = CascadeType.FOREGROUND.value


@dataclass(frozen=True)
class ObjectList:
    items: list[dict[str, Any]]
    resource_version: str


@dataclass(frozen=True)
class WatchEvent:
    type: str
    object: dict[str, Any] = field(repr=False)

    @property
    def resource_version(self) -> str:
        return str(self.object.get("metadata", {}).get("resourceVersion", ""))


def parse_kubeconfig(text: str) -> SingleConfig:
    """The current context of a kubeconfig; :class:`InvalidKubeconfig` says what is wrong with one that is not."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidKubeconfig(f"not YAML: {error}") from None
    if not isinstance(document, dict):
        raise InvalidKubeconfig("not a YAML mapping")
    try:
        config = KubeConfig.from_dict(document).get()
    except ConfigError as error:
        raise InvalidKubeconfig(str(error)) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidKubeconfig(f"malformed clusters, contexts or users: {error}") from None
    if config is None or config.user is None:
        raise InvalidKubeconfig("the current context names no user")
    return config


class KubeClient:
    """One cluster's API; every failure is a :class:`KubeError` (or its ``ClusterUnreachable``)."""

    def __init__(self, kubeconfig: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.config = parse_kubeconfig(kubeconfig)
        self.server = self.config.cluster.server
        self._timeout = httpx2.Timeout(timeout)
        self._lightkube = AsyncClient(self.config, timeout=self._timeout, field_manager=FIELD_MANAGER)
        self._http = adapter_async_client(self.config, ConnectionParams(timeout=self._timeout))

    async def aclose(self) -> None:
        await self._lightkube.close()
        await self._http.aclose()

    async def get(self, kind: Kind, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        with kube_errors(self.server):
            found = await self._lightkube.get(kind.resource, name, namespace=self._namespace(kind, namespace))
        return dict(found)

    async def list(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
    ) -> ObjectList:
        """Every object of ``kind`` (in ``namespace``, or all namespaces when None) matching the selectors."""
        listing = self._lightkube.list(
            kind.resource,
            namespace=self._namespace(kind, namespace, everywhere="*"),
            chunk_size=_LIST_CHUNK,
            labels=labels,
            fields=fields,
        )
        with kube_errors(self.server):
            items = [dict(item) async for item in listing]
        return ObjectList(items, listing.resourceVersion or "")

    async def create(
        self, manifest: dict[str, Any], *, namespace: str | None = None, dry_run: bool = False
    ) -> dict[str, Any]:
        """Create ``manifest`` (``dry_run``: the server validates it fully and stores nothing, ``dryRun=All``)."""
        kind = kind_of(manifest)
        if kind.namespaced:
            metadata = manifest.get("metadata", {})
            placed = self._namespace(kind, namespace if namespace is not None else metadata.get("namespace"))
            manifest = {**manifest, "metadata": {**metadata, "namespace": placed}}
        with kube_errors(self.server):
            created = await self._lightkube.create(kind.resource(manifest), dry_run=dry_run)
        return dict(created)

    async def patch(
        self,
        kind: Kind,
        name: str,
        patch: dict[str, Any],
        *,
        namespace: str | None = None,
        strategy: PatchStrategy = PatchStrategy.MERGE,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        with kube_errors(self.server):
            patched = await self._lightkube.patch(
                kind.resource,
                name,
                patch,
                namespace=self._namespace(kind, namespace),
                patch_type=PatchType(strategy.value),
                dry_run=dry_run,
            )
        return dict(patched)

    async def delete(
        self, kind: Kind, name: str, *, namespace: str | None = None, propagation: Propagation | None = None
    ) -> None:
        cascade = CascadeType(propagation.value) if propagation is not None else None
        with kube_errors(self.server):
            await self._lightkube.delete(
                kind.resource, name, namespace=self._namespace(kind, namespace), cascade=cascade
            )

    async def watch(
        self,
        kind: Kind,
        *,
        namespace: str | None = None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
        resource_version: str | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Changes after ``resource_version`` (a list's, to follow it), until the caller stops iterating.

        When the server ends a watch, it is reopened from the last version seen. A
        version the server no longer keeps raises KubeError 410 Expired: list again.
        """
        stream = self._lightkube.watch(
            kind.resource,
            namespace=self._namespace(kind, namespace, everywhere="*"),
            labels=labels,
            fields=fields,
            resource_version=resource_version,
        )
        with kube_errors(self.server):
            async for event_type, changed in stream:
                yield WatchEvent(event_type, dict(changed))

    @asynccontextmanager
    async def open_watch(
        self,
        kind: Kind,
        *,
        resource_version: str,
        namespace: str | None = None,
        timeout_seconds: int = 300,
        quiet_seconds: float = 90.0,
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        """One watch request with bookmarks, for a cache: entered once the server accepted it.

        Unlike :meth:`watch` it is not reopened: the events (``BOOKMARK`` ones too) end when the
        server closes the stream after ``timeout_seconds``, and a stream silent for
        ``quiet_seconds`` fails as unreachable, so a connection that died without a word is noticed.
        An ``ERROR`` event raises its Status (410 Expired: list again).
        """
        params: dict[str, str | int] = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
        }
        timeout = httpx2.Timeout(self._timeout.connect, read=quiet_seconds)
        with kube_errors(self.server):
            async with self._http.stream("GET", kind.path(namespace), params=params, timeout=timeout) as response:
                if response.is_error:
                    raise _error_of(response.status_code, await response.aread())
                yield self._watch_events(response)

    async def _watch_events(self, response: httpx2.Response) -> AsyncIterator[WatchEvent]:
        with kube_errors(self.server):
            async for line in response.aiter_lines():
                if not line:
                    continue
                event = orjson.loads(line)
                if event.get("type") == "ERROR":
                    raise KubeError(event.get("object") or {})
                yield WatchEvent(str(event.get("type")), event.get("object") or {})

    async def logs(
        self,
        pod: str,
        *,
        namespace: str,
        container: str | None = None,
        follow: bool = False,
        tail_lines: int | None = None,
        timestamps: bool = False,
    ) -> AsyncIterator[bytes]:
        """A container's log as the server sends it; following, it ends when the container does."""
        params: dict[str, str | int] = {"follow": _flag(follow), "timestamps": _flag(timestamps)}
        if container is not None:
            params["container"] = container
        if tail_lines is not None:
            params["tailLines"] = tail_lines
        # A followed log may stay quiet for as long as the container does.
        timeout = httpx2.Timeout(self._timeout.connect, read=None) if follow else self._timeout
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log"
        with kube_errors(self.server):
            async with self._http.stream("GET", path, params=params, timeout=timeout) as response:
                if response.is_error:
                    raise _error_of(response.status_code, await response.aread())
                async for chunk in response.aiter_bytes():
                    yield chunk

    async def version(self) -> dict[str, Any]:
        """The server's ``/version``: ``gitVersion``, ``major``, ``minor``, ``platform``…"""
        with kube_errors(self.server):
            response = await self._http.get("/version")
        if response.is_error:
            raise _error_of(response.status_code, response.content)
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict) or "gitVersion" not in document:
            raise status_error(response.status_code, f"{self.server}/version is not a Kubernetes version document")
        return document

    async def node_count(self) -> int:
        return len((await self.list(NODES)).items)

    def _namespace(self, kind: Kind, namespace: str | None, *, everywhere: str | None = None) -> str | None:
        if not kind.namespaced:
            return None
        if namespace is None and everywhere is None:
            raise ValueError(f"{kind.kind} is namespaced: name a namespace")
        return namespace if namespace is not None else everywhere


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _error_of(code: int, body: bytes) -> KubeError:
    try:
        status = json.loads(body)
    except ValueError:
        status = None
    if isinstance(status, dict) and status.get("kind") == "Status":
        return KubeError(status)
    return status_error(code, body.decode(errors="replace")[:500])
