"""The message tables of ``_messages``, parsed once into :class:`Field` records."""

from __future__ import annotations

from typing import NamedTuple

from jobyard.cluster.protobuf._messages import MESSAGES, WELL_KNOWN

__all__ = ["FIELDS", "SCALARS", "VARINT", "LENGTH_DELIMITED", "Field", "parse_message"]

VARINT = 0
LENGTH_DELIMITED = 2
SCALARS: dict[str, int] = {
    "bool": VARINT,
    "int32": VARINT,
    "int64": VARINT,
    "string": LENGTH_DELIMITED,
    "bytes": LENGTH_DELIMITED,
}
INLINE = "..."


class Field(NamedTuple):
    json_name: str
    wire_type: int
    type_name: str  # a scalar kind from SCALARS, or a message name
    repeated: bool = False
    map: bool = False
    pointer: bool = False  # a Go pointer: a present zero value is kept
    inline: bool = False  # a Go embedded struct: its fields join the parent's in JSON

    @property
    def is_message(self) -> bool:
        return self.type_name not in SCALARS


def _field(json_name: str, type_expr: str) -> Field:
    repeated = type_expr.startswith("[]")
    is_map = type_expr.startswith("{}")
    pointer = type_expr.startswith("*")
    type_name = type_expr.removeprefix("[]").removeprefix("{}").removeprefix("*")
    # A map travels as repeated key/value entry messages, so its wire type is always length-delimited.
    wire_type = LENGTH_DELIMITED if is_map else SCALARS.get(type_name, LENGTH_DELIMITED)
    inline = json_name == INLINE
    return Field(json_name, wire_type, type_name, repeated, is_map, pointer, inline)


def parse_message(spec: str) -> dict[int, Field]:
    """``"1 name string, 2 labels {}string"`` as field number → Field."""
    fields: dict[int, Field] = {}
    for entry in spec.split(","):
        number, json_name, type_expr = entry.split()
        fields[int(number)] = _field(json_name, type_expr)
    return fields


FIELDS: dict[str, dict[int, Field]] = {name: parse_message(spec) for name, spec in {**MESSAGES, **WELL_KNOWN}.items()}
