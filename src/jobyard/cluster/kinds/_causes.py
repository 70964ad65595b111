"""Field errors as upstream words them (``k8s.io/apimachinery/.../field``).

Each constructor returns a :class:`Cause` whose message is upstream's
``ErrorBody``: the error type, then the bad value (Go-quoted strings, bare
numbers), then the detail. The field path travels separately, so a client can
map the cause onto a form field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from jobyard.cluster.errors import Cause

__all__ = [
    "OMIT",
    "duplicate",
    "forbidden",
    "format_value",
    "immutable",
    "invalid",
    "non_negative",
    "not_supported",
    "required",
    "too_long",
    "too_long_max",
    "too_many",
]

# Upstream's OmitValueType: the message names no value at all.
OMIT: Any = object()


def format_value(value: Any) -> str:
    """A bad value as Go's ``%v``/``%q`` would print it in an error body."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _body(kind: str, value: Any, detail: str) -> str:
    text = kind if value is OMIT else f"{kind}: {format_value(value)}"
    return f"{text}: {detail}" if detail else text


def required(path: str, detail: str = "") -> Cause:
    message = f"Required value: {detail}" if detail else "Required value"
    return Cause(path, "FieldValueRequired", message)


def forbidden(path: str, detail: str) -> Cause:
    return Cause(path, "FieldValueForbidden", f"Forbidden: {detail}")


def invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause(path, "FieldValueInvalid", _body("Invalid value", value, detail))


def duplicate(path: str, value: Any) -> Cause:
    return Cause(path, "FieldValueDuplicate", _body("Duplicate value", value, ""))


def not_supported(path: str, value: Any, supported: Iterable[str]) -> Cause:
    quoted = ", ".join(json.dumps(option) for option in supported)
    detail = f"supported values: {quoted}" if quoted else ""
    return Cause(path, "FieldValueNotSupported", _body("Unsupported value", value, detail))


def too_long(path: str, max_bytes: int) -> Cause:
    return Cause(path, "FieldValueTooLong", f"Too long: may not be more than {max_bytes} bytes")


def too_long_max(path: str, max_length: int) -> Cause:
    """Upstream's ``TooLongMaxLength``, used where a length, not a size, is capped."""
    return Cause(path, "FieldValueTooLong", f"Too long: may not be longer than {max_length}")


def too_many(path: str, actual: int, maximum: int) -> Cause:
    return Cause(path, "FieldValueTooMany", f"Too many: {actual}: must have at most {maximum} items")


def non_negative(path: str, value: Any) -> list[Cause]:
    """Upstream's ``ValidateNonnegativeField``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


def immutable(path: str, new: Any, old: Any) -> list[Cause]:
    """Upstream's ``ValidateImmutableField``."""
    return [] if new == old else [invalid(path, new, "field is immutable")]
