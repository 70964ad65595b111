"""The HTTPS API server's ASGI app: authentication, routing, verbs, watch streams."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from jobyard.cluster import kinds, schema
from jobyard.cluster.errors import (
    BadRequest,
    InternalError,
    MethodNotAllowed,
    NotFound,
    StatusError,
    Unauthorized,
)
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.registry import APPLY_PATCH, LogOptions, Registry, WriteOptions

from . import _discovery, _requests, _tables
from ._encoding import encode, encode_list_chunks
from ._metrics import ApiMetrics
from ._routing import Target, parse_target

Obj = dict[str, Any]

log = logging.getLogger(__name__)

# Lists longer than this are streamed in pieces of about this many characters.
_STREAMED_LIST_ITEMS = 100
_LIST_CHUNK_CHARACTERS = 256 * 1024
# Kinds whose storage upstream sets ReturnDeletedObject (or answers with the object
# itself); the others answer a finished DELETE with a Success Status.
_RETURNS_DELETED_OBJECT = frozenset({"pods", "serviceaccounts", "namespaces"})
_OPEN_PATHS = ("/healthz", "/livez", "/readyz", "/version")
_WATCH_CONTENT_TYPE = "application/json"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        encode(data),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _status_response(error: StatusError) -> Response:
    headers = {}
    if error.retry_after_seconds is not None:
        headers["Retry-After"] = str(error.retry_after_seconds)
    return _json(error.status(), error.code, headers)


def _success(details: Obj) -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


PodLogSource = Callable[[dict[str, Any], LogOptions], AsyncIterator[bytes]]


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first:
        yield first
    async for chunk in rest:
        yield chunk


class ApiServer:
    """Serves one registry to HTTP clients holding one of ``tokens``."""

    def __init__(
        self,
        registry: Registry,
        tokens: Iterable[str],
        *,
        server_address: str = "127.0.0.1:6443",
        resource_types: tuple[ResourceType, ...] = kinds.RESOURCE_TYPES,
    ) -> None:
        self.registry = registry
        self.tokens = tuple(tokens)
        self.server_address = server_address
        self.resource_types = resource_types
        self.ready = False
        # The node's log reader (kubelet); without a node, pods/log answers 400.
        self.pod_logs: PodLogSource | None = None
        self.metrics = ApiMetrics(lambda: registry.store.watcher_count)
        self.app = Starlette(
            routes=[Route("/{path:path}", self._dispatch, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])]
        )

    def _find(self, group: str, version: str, plural: str) -> ResourceType | None:
        for rtype in self.resource_types:
            if rtype.group == group and rtype.version == version and rtype.plural == plural:
                return rtype
        return None

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and any(secrets.compare_digest(token.strip(), known) for known in self.tokens):
            return
        raise Unauthorized("Unauthorized")

    async def _dispatch(self, request: Request) -> Response:
        started = time.perf_counter()
        verb, resource = request.method, ""
        try:
            path = request.url.path
            if path.rstrip("/") in _OPEN_PATHS or path in _OPEN_PATHS:
                response = self._open_endpoint(path.rstrip("/"), request)
            else:
                self._authenticate(request)
                target = parse_target(path, self._find)
                if target is None:
                    response = self._document(path.rstrip("/") or "/", request)
                else:
                    resource = target.rtype.qualified_plural + (f"/{target.subresource}" if target.subresource else "")
                    verb, response = await self._resource(request, target)
        except StatusError as error:
            response = _status_response(error)
        except Exception:
            # A bug, not bad input: still answered as a Status, and logged.
            log.exception("%s %s failed", request.method, request.url.path)
            response = _status_response(InternalError("an internal error occurred; see the server log"))
        self.metrics.observe(verb, resource, response.status_code, time.perf_counter() - started)
        return response

    def _open_endpoint(self, path: str, request: Request) -> Response:
        if path == "/version":
            return _json(_discovery.version_info())
        if path == "/readyz" and not self.ready:
            return PlainTextResponse("[-]jobyard not ready\nreadyz check failed", status_code=500)
        return PlainTextResponse("ok")

    def _document(self, path: str, request: Request) -> Response:
        """Discovery, OpenAPI and metrics: everything that is not a resource."""
        if request.method != "GET":
            raise MethodNotAllowed("the server does not allow this method on the requested resource")
        rtypes = self.resource_types
        document: Obj | None = None
        if path == "/api":
            document = _discovery.core_versions(self.server_address)
        elif path == "/apis":
            document = _discovery.group_list(rtypes)
        elif path == "/api/v1":
            document = _discovery.resource_list(rtypes, "v1")
        elif path.startswith("/apis/") and path.count("/") == 2:
            document = _discovery.api_group(rtypes, path.split("/")[2])
        elif path.startswith("/apis/") and path.count("/") == 3:
            document = _discovery.resource_list(rtypes, path.removeprefix("/apis/"))
        elif path == "/openapi/v2":
            if schema.OPENAPI_V2_PROTOBUF_ACCEPT in request.headers.get("accept", ""):
                # kubectl 1.28 reads /openapi/v2 only as gnostic protobuf.
                return Response(schema.openapi_v2_protobuf(rtypes), media_type=schema.OPENAPI_V2_PROTOBUF_CONTENT_TYPE)
            document = schema.openapi_v2(rtypes)
        elif path == "/openapi/v3":
            document = schema.openapi_v3_index(rtypes)
        elif path.startswith(("/openapi/v3/api/", "/openapi/v3/apis/")):
            group_version = path.removeprefix("/openapi/v3/").split("/", 1)[1]
            document = schema.openapi_v3_group(group_version, rtypes)
        elif path == "/metrics":
            return Response(self.metrics.render(), media_type=self.metrics.content_type)
        if document is None:
            raise NotFound("the server could not find the requested resource")
        return _json(document)

    async def _resource(self, request: Request, target: Target) -> tuple[str, Response]:
        method, registry, rtype = request.method, self.registry, target.rtype
        namespace = target.namespace
        if target.name is None:
            if method == "GET" and (target.watch_path or _requests.is_watch(request)):
                return "WATCH", self._watch(request, target)
            if method == "GET":
                listed = registry.list(rtype, namespace, _requests.list_options(request))
                return "LIST", self._render_list(request, rtype, listed)
            if method == "POST" and namespace is not None or method == "POST" and not rtype.namespaced:
                body, duplicates = _requests.decode(await _requests.read_body(request), _requests.media_type(request))
                options = self._write_options(request, duplicates)
                created, warnings = registry.create(rtype, namespace or "", body, options)
                return "POST", self._render(request, rtype, created, 201, warnings)
            if method == "DELETE":
                body = await self._optional_body(request)
                deleted = registry.delete_collection(
                    rtype, namespace, _requests.list_options(request), _requests.delete_options(request, body)
                )
                return "DELETE", _json(deleted)
            raise MethodNotAllowed("the server does not allow this method on the requested resource")
        name, subresource = target.name, target.subresource
        scope = namespace or ""
        if target.watch_path:
            watch_options = _requests.watch_options(request)
            extra = f",{watch_options.field_selector}" if watch_options.field_selector else ""
            field_selector = f"metadata.name={name}{extra}"
            return "WATCH", self._watch(request, target, field_selector)
        if subresource == "eviction":
            if method != "POST":
                raise MethodNotAllowed("the server does not allow this method on the requested resource")
            body, _ = _requests.decode(await _requests.read_body(request), _requests.media_type(request))
            registry.evict(scope, name, body)
            return "POST", _json(_success({"name": name, "kind": "pods"}), 201)
        if subresource == "binding":
            if method != "POST":
                raise MethodNotAllowed("the server does not allow this method on the requested resource")
            body, _ = _requests.decode(await _requests.read_body(request), _requests.media_type(request))
            registry.bind(scope, name, body, _requests.write_options(request).dry_run)
            return "POST", _json(_success({"name": name, "kind": "pods"}), 201)
        if subresource == "log":
            if method != "GET":
                raise MethodNotAllowed("the server does not allow this method on the requested resource")
            log_options = _requests.log_options(request)
            pod = registry.get(rtype, scope, name)
            if self.pod_logs is None:
                raise BadRequest(f'pod "{name}" has no running containers: this cluster runs no node')
            chunks = self.pod_logs(pod, log_options)
            # The first chunk is read here, so a bad request is a 400 and not a broken stream.
            first = await anext(chunks, b"")
            return "GET", StreamingResponse(_prepend(first, chunks), media_type="text/plain")
        if method == "GET":
            return "GET", self._render(request, rtype, registry.get(rtype, scope, name), 200)
        if method == "PUT":
            body, duplicates = _requests.decode(await _requests.read_body(request), _requests.media_type(request))
            updated, warnings = registry.update(
                rtype, scope, name, body, self._write_options(request, duplicates), subresource
            )
            return "PUT", self._render(request, rtype, updated, 200, warnings)
        if method == "PATCH":
            media = _requests.media_type(request)
            body, duplicates = _requests.decode(await _requests.read_body(request), media, patch=True)
            existed = registry.store.get(rtype.qualified_plural, scope, name) is not None
            options = _requests.write_options(request, duplicates)
            if media != APPLY_PATCH:
                options = self._write_options(request, duplicates)
            patched, warnings = registry.patch(rtype, scope, name, media, body, options, subresource)
            return "PATCH", self._render(request, rtype, patched, 200 if existed else 201, warnings)
        if method == "DELETE" and subresource is None:
            body = await self._optional_body(request)
            delete_options = _requests.delete_options(request, body)
            deleted, gone = registry.delete(rtype, scope, name, delete_options)
            # Upstream answers 202 only when the caller explicitly asked not to orphan.
            accepted = not gone and delete_options.orphan_dependents is False
            if gone and rtype.qualified_plural not in _RETURNS_DELETED_OBJECT:
                meta = deleted["metadata"]
                details = {"name": meta["name"], "group": rtype.group, "kind": rtype.plural, "uid": meta.get("uid")}
                return "DELETE", _json(_success(details))
            return "DELETE", _json(deleted, 202 if accepted else 200)
        raise MethodNotAllowed("the server does not allow this method on the requested resource")

    @staticmethod
    def _write_options(request: Request, duplicates: tuple[str, ...]) -> WriteOptions:
        options = _requests.write_options(request, duplicates)
        if options.field_manager is None:
            options = replace(options, field_manager=_requests.default_field_manager(request))
        return options

    @staticmethod
    async def _optional_body(request: Request) -> Any:
        raw = await _requests.read_body(request)
        if not raw.strip():
            return None
        body, _ = _requests.decode(raw, _requests.media_type(request) or "application/json")
        return body

    def _render(
        self, request: Request, rtype: ResourceType, obj: Obj, status: int, warnings: list[str] | None = None
    ) -> Response:
        response: Response
        if _tables.wants_table(request.headers.get("accept", "")):
            response = _json(
                _tables.table(rtype, [obj], self.registry.clock(), include_object=self._include_object(request)),
                status,
            )
        else:
            response = _json(obj, status)
        for warning in warnings or []:
            response.headers.append("Warning", '299 - "' + warning.replace('"', '\\"') + '"')
        return response

    def _render_list(self, request: Request, rtype: ResourceType, listed: Obj) -> Response:
        if _tables.wants_table(request.headers.get("accept", "")):
            return _json(
                _tables.table(
                    rtype,
                    listed["items"],
                    self.registry.clock(),
                    list_meta=listed["metadata"],
                    include_object=self._include_object(request),
                )
            )
        if len(listed["items"]) > _STREAMED_LIST_ITEMS:
            return StreamingResponse(self._list_chunks(listed), media_type="application/json")
        return _json(listed)

    @staticmethod
    async def _list_chunks(listed: Obj) -> AsyncIterator[bytes]:
        for chunk in encode_list_chunks(listed, _LIST_CHUNK_CHARACTERS):
            yield chunk.encode()
            # Let other requests run between pieces of a large LIST.
            await asyncio.sleep(0)

    @staticmethod
    def _include_object(request: Request) -> str:
        value = request.query_params.get("includeObject") or "Metadata"
        if value not in ("None", "Metadata", "Object"):
            raise BadRequest(
                f'includeObject: Unsupported value: "{value}": supported values: "None", "Metadata", "Object"'
            )
        return value

    def _watch(self, request: Request, target: Target, field_selector: str | None = None) -> Response:
        options = _requests.watch_options(request)
        if field_selector is not None:
            options = replace(options, field_selector=field_selector)
        as_table = _tables.wants_table(request.headers.get("accept", ""))
        include_object = self._include_object(request) if as_table else "Object"
        events = self.registry.watch(target.rtype, target.namespace, options)
        return StreamingResponse(
            self._encode_events(events, target.rtype, as_table, include_object, request),
            media_type=_WATCH_CONTENT_TYPE,
        )

    async def _encode_events(
        self,
        events: AsyncIterator[Obj],
        rtype: ResourceType,
        as_table: bool,
        include_object: str,
        request: Request,
    ) -> AsyncIterator[bytes]:
        first = True
        self.metrics.watch_opened()
        try:
            async for event in events:
                if as_table and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
                    event = {
                        "type": event["type"],
                        "object": _tables.table(
                            rtype,
                            [event["object"]],
                            self.registry.clock(),
                            include_object=include_object,
                            with_columns=first,
                        ),
                    }
                    first = False
                yield (encode(event) + "\n").encode()
        finally:
            self.metrics.watch_closed()
