"""The Status answers upstream gives when a patch cannot be applied.

The apiserver answers patch failures in three shapes, and these builders
reproduce each one so a client sees the same code, reason and message:

* a patch body that does not decode, or a malformed strategic directive:
  400 BadRequest with the decoder's message;
* an operation that does not apply (a JSON patch ``test`` that fails, a path
  that is missing): 422 Invalid with the generic message
  ``NewGenericServerResponse`` writes, the library's own words dropped;
* a result that is not an object: 422 Invalid with one ``patch`` cause, as the
  decode of the patched document into the kind fails.
"""

from __future__ import annotations

import json
from typing import Any

from jobyard.cluster.errors import BadRequest, Cause, Invalid

__all__ = ["bad_patch", "go_json_kind", "not_an_object", "not_applicable"]

_GENERIC_INVALID = "the server rejected our request due to an error in our request"


def bad_patch(message: str) -> BadRequest:
    return BadRequest(message)


def not_applicable() -> Invalid:
    return Invalid(_GENERIC_INVALID)


def not_an_object(result: Any) -> Invalid:
    kind = go_json_kind(result)
    encoded = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    cause = Cause(
        field="patch",
        reason="FieldValueInvalid",
        message=f"Invalid value: {json.dumps(encoded, ensure_ascii=False)}: "
        f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}",
    )
    return Invalid.of("", "", [cause])


def go_json_kind(value: Any) -> str:
    """How Go's decoder names a JSON value in "cannot unmarshal X" errors."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"
