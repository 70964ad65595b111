"""Kubernetes protobuf request bodies, decoded into the dict the JSON API would have received.

A body is the 4-byte magic ``k8s\\x00`` and a ``runtime.Unknown``: typeMeta {apiVersion = 1,
kind = 2} = 1, raw = 2 (the object's own message), contentEncoding = 3, contentType = 4.
The object's fields follow Go's JSON encoding of the same struct: plain values that are zero are
left out (``omitempty``), pointers that are present are kept even when zero, maps come from
their entry messages, ``bytes`` become base64, and the well-known messages take their JSON forms.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from jobyard.cluster.errors import BadRequest
from jobyard.cluster.protobuf._fields import FIELDS, LENGTH_DELIMITED, VARINT, Field
from jobyard.cluster.protobuf._messages import KINDS, WELL_KNOWN
from jobyard.cluster.protobuf._wire import read_varint, records

__all__ = ["MAGIC", "MEDIA_TYPE", "decode_object"]

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"
_UNKNOWN_TYPE_META, _UNKNOWN_RAW, _UNKNOWN_CONTENT_ENCODING = 1, 2, 3
_TYPE_META_API_VERSION, _TYPE_META_KIND = 1, 2
_MAP_KEY, _MAP_VALUE = 1, 2
_INT_OR_STRING_STRING = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZEROS: dict[str, Any] = {"bool": False, "int32": 0, "int64": 0, "string": "", "bytes": ""}


def decode_object(body: bytes) -> dict[str, Any]:
    """The object in a protobuf body, as JSON-shaped data with ``apiVersion`` and ``kind`` first."""
    if not body.startswith(MAGIC):
        raise BadRequest("the protobuf body does not start with the Kubernetes magic number")
    api_version, kind, raw = _envelope(body[len(MAGIC) :])
    root = "DeleteOptions" if kind == "DeleteOptions" else KINDS.get((api_version, kind))
    if root is None:
        raise BadRequest(f'no kind "{kind}" is registered for version "{api_version}" in protobuf')
    return {"apiVersion": api_version, "kind": kind, **_message(raw, root)}


def _envelope(data: bytes) -> tuple[str, str, bytes]:
    api_version = kind = ""
    raw = b""
    for number, wire_type, value in records(data):
        if wire_type != LENGTH_DELIMITED:
            continue
        assert isinstance(value, bytes)
        if number == _UNKNOWN_TYPE_META:
            for meta_number, meta_wire_type, meta_value in records(value):
                if meta_wire_type == LENGTH_DELIMITED and meta_number == _TYPE_META_API_VERSION:
                    api_version = _text(meta_value)
                elif meta_wire_type == LENGTH_DELIMITED and meta_number == _TYPE_META_KIND:
                    kind = _text(meta_value)
        elif number == _UNKNOWN_RAW:
            raw = value
        elif number == _UNKNOWN_CONTENT_ENCODING and value:
            raise BadRequest(f"unsupported protobuf content encoding {_text(value)!r}")
    return api_version, kind, raw


def _message(data: bytes, type_name: str) -> dict[str, Any]:
    fields = FIELDS[type_name]
    out: dict[str, Any] = {}
    for number, wire_type, value in records(data):
        field = fields.get(number)
        if field is None:
            continue  # a field newer than our tables: skipped, as upstream does
        if field.repeated and wire_type == LENGTH_DELIMITED and field.wire_type == VARINT:
            assert isinstance(value, bytes)
            out.setdefault(field.json_name, []).extend(_packed(value, field))
            continue
        if wire_type != field.wire_type:
            raise BadRequest(f"protobuf: wrong wire type {wire_type} for field {type_name}.{field.json_name}")
        _store(out, field, value)
    return out


def _store(out: dict[str, Any], field: Field, value: int | bytes) -> None:
    name = field.json_name
    if field.map:
        assert isinstance(value, bytes)
        key, item = _map_entry(value, field)
        out.setdefault(name, {})[key] = item
    elif field.repeated:
        out.setdefault(name, []).append(_value(value, field))
    elif field.inline:
        assert isinstance(value, bytes)
        out.update(_message(value, field.type_name))
    elif field.is_message and field.type_name not in WELL_KNOWN:
        assert isinstance(value, bytes)
        # A message sent twice is merged, as protobuf requires.
        out[name] = {**out.get(name, {}), **_message(value, field.type_name)}
    else:
        decoded = _value(value, field)
        if decoded is None or (not field.pointer and decoded == _ZEROS.get(field.type_name)):
            out.pop(name, None)  # Go's omitempty: the zero value of a plain field is "unset"
        else:
            out[name] = decoded


def _map_entry(data: bytes, field: Field) -> tuple[str, Any]:
    key, item = "", None
    for number, wire_type, value in records(data):
        if number == _MAP_KEY and wire_type == LENGTH_DELIMITED:
            key = _text(value)
        elif number == _MAP_VALUE and wire_type == field.wire_type:
            item = _value(value, field)
    if item is None:
        item = _value(b"", field) if field.wire_type == LENGTH_DELIMITED else _ZEROS[field.type_name]
    return key, item


def _packed(data: bytes, field: Field) -> list[Any]:
    values, offset = [], 0
    while offset < len(data):
        value, offset = read_varint(data, offset)
        values.append(_scalar(value, field.type_name))
    return values


def _value(value: int | bytes, field: Field) -> Any:
    if not field.is_message:
        return _scalar(value, field.type_name)
    assert isinstance(value, bytes)
    if field.type_name in WELL_KNOWN:
        return _well_known(field.type_name, _message(value, field.type_name))
    return _message(value, field.type_name)


def _scalar(value: int | bytes, kind: str) -> Any:
    if kind == "string":
        assert isinstance(value, bytes)
        return _text(value)
    if kind == "bytes":
        assert isinstance(value, bytes)
        return base64.b64encode(value).decode("ascii")
    assert isinstance(value, int)
    if kind == "bool":
        return value != 0
    bits = 32 if kind == "int32" else 64
    value &= (1 << bits) - 1  # Go truncates a varint to the field's width, then reads it as signed
    return value - (1 << bits) if value >> (bits - 1) else value


def _text(value: int | bytes) -> str:
    assert isinstance(value, bytes)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("protobuf: a string field is not valid UTF-8") from None


def _well_known(type_name: str, fields: dict[str, Any]) -> Any:
    if type_name in ("Time", "MicroTime"):
        return _timestamp(fields, micro=type_name == "MicroTime")
    if type_name == "Quantity":
        return fields.get("string") or "0"
    if type_name == "IntOrString":
        if fields.get("type", 0) == _INT_OR_STRING_STRING:
            return fields.get("strVal", "")
        if fields.get("type", 0) != 0:
            raise BadRequest(f"protobuf: impossible IntOrString type {fields['type']}")
        return fields.get("intVal", 0)
    raw = base64.b64decode(fields.get("Raw", ""))  # FieldsV1 carries its JSON document as bytes
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("protobuf: fieldsV1 is not a JSON document") from None


def _timestamp(fields: dict[str, Any], *, micro: bool) -> str | None:
    # Go writes the zero time as an empty message and reads one back as the zero time: JSON null.
    if not fields:
        return None
    try:
        moment = _EPOCH + timedelta(seconds=fields.get("seconds", 0), microseconds=fields.get("nanos", 0) // 1000)
    except OverflowError:
        raise BadRequest("protobuf: timestamp out of range") from None
    # RFC 3339 in UTC, as Go prints it: whole seconds for Time, microseconds for MicroTime.
    date = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    text = f"{date}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{text}.{moment.microsecond:06d}Z" if micro else f"{text}Z"
