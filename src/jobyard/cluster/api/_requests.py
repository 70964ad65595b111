"""Reading a request: bodies (size, media type, JSON/YAML) and query options."""

from __future__ import annotations

import json
from typing import Any

import yaml
from starlette.datastructures import QueryParams
from starlette.requests import Request

from jobyard.cluster import protobuf, schema
from jobyard.cluster.clock import parse_time
from jobyard.cluster.errors import BadRequest, RequestTooLarge, UnsupportedMediaType
from jobyard.cluster.registry import (
    APPLY_PATCH,
    PATCH_TYPES,
    DeleteOptions,
    ListOptions,
    LogOptions,
    WatchOptions,
    WriteOptions,
    parse_delete_options,
    parse_dry_run,
)

# Upstream's limit on a request body (apiserver MaxRequestBodyBytes).
MAX_BODY_BYTES = 3 * 1024 * 1024
_JSON_TYPES = ("application/json", "")
_YAML_TYPES = ("application/yaml", APPLY_PATCH)


async def read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise RequestTooLarge(f"Request entity too large: limit is {MAX_BODY_BYTES}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestTooLarge(f"Request entity too large: limit is {MAX_BODY_BYTES}")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def decode(raw: bytes, media: str, *, patch: bool = False) -> tuple[Any, tuple[str, ...]]:
    """The body as data, and the keys a JSON body repeated (for fieldValidation)."""
    if patch and media not in PATCH_TYPES:
        raise UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(sorted(PATCH_TYPES))}"
        )
    if not patch and media == protobuf.MEDIA_TYPE:
        # Typed client-go clients (kubectl create namespace/configmap/job ...) send protobuf.
        return protobuf.decode_object(raw), ()
    if not patch and media not in _JSON_TYPES + _YAML_TYPES:
        raise UnsupportedMediaType(
            "the body of the request was in an unknown format - accepted media types include: "
            f"application/json, application/yaml, {protobuf.MEDIA_TYPE}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body of the request is not valid UTF-8") from None
    if not text.strip():
        raise BadRequest("the body of the request was empty")
    if media in _YAML_TYPES:
        try:
            return yaml.safe_load(text), ()
        except yaml.YAMLError as error:
            raise BadRequest(f"error converting YAML to JSON: {error}".replace("\n", " ")) from None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise BadRequest(f"couldn't get version/kind; json parse error: {error}") from None
    return data, tuple(schema.duplicate_fields(text))


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "t")


def _integer(query: QueryParams, key: str) -> int | None:
    value = query.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f'{key}: Invalid value: "{value}": must be an integer') from None


def default_field_manager(request: Request) -> str:
    """Upstream names an unnamed manager after the client's User-Agent product."""
    agent = request.headers.get("user-agent", "unknown")
    return agent.split("/")[0][:128] or "unknown"


def write_options(request: Request, duplicates: tuple[str, ...] = ()) -> WriteOptions:
    query = request.query_params
    return WriteOptions(
        dry_run=parse_dry_run(query.getlist("dryRun")),
        field_manager=query.get("fieldManager") or None,
        field_validation=query.get("fieldValidation") or "Warn",
        duplicate_fields=duplicates,
        force=_flag(query.get("force")),
    )


def delete_options(request: Request, body: Any) -> DeleteOptions:
    query = request.query_params
    orphan = query.get("orphanDependents")
    from_query = DeleteOptions(
        dry_run=parse_dry_run(query.getlist("dryRun")),
        grace_period_seconds=_integer(query, "gracePeriodSeconds"),
        propagation_policy=query.get("propagationPolicy") or None,
        orphan_dependents=None if orphan is None else _flag(orphan),
    )
    return parse_delete_options(body, from_query)


def list_options(request: Request) -> ListOptions:
    query = request.query_params
    limit = _integer(query, "limit") or 0
    if limit < 0:
        raise BadRequest("limit: Invalid value: must be a non-negative integer")
    return ListOptions(
        label_selector=query.get("labelSelector"),
        field_selector=query.get("fieldSelector"),
        limit=limit,
        continue_token=query.get("continue") or None,
        resource_version=query.get("resourceVersion"),
        resource_version_match=query.get("resourceVersionMatch") or None,
    )


def watch_options(request: Request) -> WatchOptions:
    query = request.query_params
    timeout = _integer(query, "timeoutSeconds")
    return WatchOptions(
        label_selector=query.get("labelSelector"),
        field_selector=query.get("fieldSelector"),
        resource_version=query.get("resourceVersion"),
        allow_bookmarks=_flag(query.get("allowWatchBookmarks")),
        timeout_seconds=float(timeout) if timeout else None,
        send_initial_events=None if query.get("sendInitialEvents") is None else _flag(query.get("sendInitialEvents")),
        resource_version_match=query.get("resourceVersionMatch") or None,
    )


def log_options(request: Request) -> LogOptions:
    query = request.query_params
    since_time = query.get("sinceTime")
    parsed_since: float | None = None
    if since_time:
        try:
            parsed_since = parse_time(since_time)
        except ValueError:
            raise BadRequest(f'sinceTime: Invalid value: "{since_time}": must be RFC 3339') from None
    return LogOptions(
        container=query.get("container") or "",
        follow=_flag(query.get("follow")),
        previous=_flag(query.get("previous")),
        since_seconds=_integer(query, "sinceSeconds"),
        since_time=parsed_since,
        timestamps=_flag(query.get("timestamps")),
        tail_lines=_integer(query, "tailLines"),
        limit_bytes=_integer(query, "limitBytes"),
    )


def is_watch(request: Request) -> bool:
    return _flag(request.query_params.get("watch"))
