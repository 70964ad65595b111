"""JSON bodies, reusing the text the store already holds for each object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jobyard.cluster.store import StoredObject


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def encode_list_chunks(listed: dict[str, Any], chunk_size: int) -> Iterator[str]:
    """A List's JSON in pieces of about ``chunk_size`` characters, so a large
    response can be sent while other requests are served between pieces."""
    head = [f"{_dumps(key)}:{_dumps(item)}" for key, item in listed.items() if key != "items"]
    piece = ["{" + ",".join([*head, '"items":['])]
    size = len(piece[0])
    for index, item in enumerate(listed["items"]):
        text = encode(item)
        piece.append("," + text if index else text)
        size += len(text) + 1
        if size >= chunk_size:
            yield "".join(piece)
            piece, size = [], 0
    piece.append("]}")
    yield "".join(piece)


def encode(value: Any) -> str:
    """``value`` as JSON; stored objects, Lists of them and watch events cost a join, not an encode."""
    if isinstance(value, StoredObject):
        return value.json
    if isinstance(value, dict):
        items = value.get("items")
        if isinstance(items, list) and str(value.get("kind", "")).endswith("List"):
            head = [f"{_dumps(key)}:{_dumps(item)}" for key, item in value.items() if key != "items"]
            body = ",".join(encode(item) for item in items)
            return "{" + ",".join([*head, f'"items":[{body}]']) + "}"
        if value.keys() == {"type", "object"}:
            return '{"type":' + _dumps(value["type"]) + ',"object":' + encode(value["object"]) + "}"
    return _dumps(value)
