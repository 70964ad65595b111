from __future__ import annotations

import json
from typing import Any

import orjson


class StoredObject(dict[str, Any]):
    """An object as the store holds it, with the JSON text it was stored as.

    Everyone who reads it shares it and must not change it; a copy is a plain
    dict, because a changed copy's text would be stale. Responses reuse
    ``json`` instead of encoding the object again, which keeps large LISTs
    and watch streams cheap.
    """

    __slots__ = ("json",)

    def __init__(self, obj: dict[str, Any], text: str) -> None:
        super().__init__(obj)
        self.json = text

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        # The stored text is this very object; decoding it is about five times faster than
        # copying the dict, and copies of stored objects are made on every write.
        copied: dict[str, Any] = decode(self.json)
        return copied

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data, as ``copy.deepcopy`` makes it but several times faster.

    A stored object's copy decodes its text; anything else goes through the encoder.
    """
    if isinstance(value, StoredObject):
        return decode(value.json)
    try:
        return decode(orjson.dumps(value))
    except TypeError:  # orjson refuses what json writes: keys that are not strings, integers beyond 64 bits
        return json.loads(json.dumps(value))


def encode(obj: Any) -> str:
    """An object's compact JSON text, as ``json.dumps(obj, separators=(",", ":"))`` writes it but
    several times faster; what orjson refuses (keys that are not strings, integers beyond 64
    bits) Python's encoder writes."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, separators=(",", ":"))


def decode(text: str | bytes) -> Any:
    """Objects from JSON text, as ``json.loads`` makes them, in less memory and time.

    orjson keeps one string per dict key it has seen recently, so the thousands of
    stored pods and events share their keys instead of holding a copy each: about
    a third of a stored pod's memory. It refuses what it does not know as JSON
    (NaN, integers beyond 64 bits), which Python's decoder then reads.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
