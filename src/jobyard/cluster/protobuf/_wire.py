"""The protobuf wire format: varints and the (field number, wire type, value) records of a message."""

from __future__ import annotations

from collections.abc import Iterator

from jobyard.cluster.errors import BadRequest

__all__ = ["read_varint", "records"]

_MAX_VARINT_BYTES = 10
_FIXED64, _LENGTH_DELIMITED, _START_GROUP, _END_GROUP, _FIXED32 = 1, 2, 3, 4, 5
_VARINT = 0
_UINT64 = (1 << 64) - 1


def read_varint(data: bytes, offset: int) -> tuple[int, int]:
    """The varint at ``offset`` (as an unsigned 64-bit value) and the offset after it."""
    value = 0
    for index in range(_MAX_VARINT_BYTES):
        if offset >= len(data):
            raise BadRequest("protobuf: unexpected end of data inside a varint")
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            return value & _UINT64, offset
    raise BadRequest("protobuf: varint longer than 10 bytes")


def _take(data: bytes, offset: int, size: int) -> tuple[bytes, int]:
    end = offset + size
    if end > len(data):
        raise BadRequest("protobuf: field runs past the end of its message")
    return data[offset:end], end


def _skip_group(data: bytes, offset: int, number: int) -> int:
    # Groups are a proto2 relic Kubernetes never sends; they are skipped, nested ones too, without recursion.
    open_groups = [number]
    while open_groups:
        key, offset = read_varint(data, offset)
        wire_type, field_number = key & 7, key >> 3
        if wire_type == _START_GROUP:
            open_groups.append(field_number)
        elif wire_type == _END_GROUP:
            if open_groups.pop() != field_number:
                raise BadRequest("protobuf: mismatched end of group")
        else:
            offset = _skip_value(data, offset, wire_type)
    return offset


def _skip_value(data: bytes, offset: int, wire_type: int) -> int:
    _, offset = _read_value(data, offset, wire_type)
    return offset


def _read_value(data: bytes, offset: int, wire_type: int) -> tuple[int | bytes, int]:
    if wire_type == _VARINT:
        return read_varint(data, offset)
    if wire_type == _LENGTH_DELIMITED:
        size, offset = read_varint(data, offset)
        return _take(data, offset, size)
    if wire_type == _FIXED64:
        raw, offset = _take(data, offset, 8)
        return int.from_bytes(raw, "little"), offset
    if wire_type == _FIXED32:
        raw, offset = _take(data, offset, 4)
        return int.from_bytes(raw, "little"), offset
    raise BadRequest(f"protobuf: illegal wire type {wire_type}")


def records(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Each field of one message as (field number, wire type, int or bytes), in wire order.

    Groups are skipped here, so callers never see wire types 3 and 4.
    """
    offset = 0
    while offset < len(data):
        key, offset = read_varint(data, offset)
        wire_type, number = key & 7, key >> 3
        if number == 0:
            raise BadRequest("protobuf: illegal field number 0")
        if wire_type == _START_GROUP:
            offset = _skip_group(data, offset, number)
            continue
        if wire_type == _END_GROUP:
            raise BadRequest("protobuf: end of group without a start")
        value, offset = _read_value(data, offset, wire_type)
        yield number, wire_type, value
