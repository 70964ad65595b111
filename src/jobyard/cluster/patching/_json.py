"""JSON patch (RFC 6902), ``application/json-patch+json``, via ``jsonpatch``."""

from __future__ import annotations

from typing import Any

import jsonpatch
import jsonpointer

from jobyard.cluster.errors import RequestTooLarge
from jobyard.cluster.store import copy_json

from ._errors import bad_patch, go_json_kind, not_an_object, not_applicable

__all__ = ["MAX_JSON_PATCH_OPERATIONS", "json_patch"]

# Upstream's cap (maxJSONPatchOperations in the apiserver's patch handler).
MAX_JSON_PATCH_OPERATIONS = 10000

# Everything jsonpatch and jsonpointer raise when an operation does not apply;
# the standard errors cover documents their checks do not anticipate.
_NOT_APPLICABLE = (
    jsonpatch.JsonPatchException,
    jsonpointer.JsonPointerException,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
)


def json_patch(doc: dict[str, Any], operations: Any) -> dict[str, Any]:
    """Apply RFC 6902 ``operations`` to ``doc``.

    A body that is not a list of objects does not decode: 400. An operation
    that does not apply (unknown op, missing member, missing path, failed
    ``test``, malformed pointer) is 422 Invalid with upstream's generic
    message; upstream discards the library's wording, so do we.
    """
    if operations is None:
        # Go decodes a JSON null into an empty patch.
        operations = []
    if not isinstance(operations, list):
        raise bad_patch(f"json: cannot unmarshal {go_json_kind(operations)} into Go value of type jsonpatch.Patch")
    for operation in operations:
        if operation is not None and not isinstance(operation, dict):
            raise bad_patch(
                f"json: cannot unmarshal {go_json_kind(operation)} into Go value of type jsonpatch.Operation"
            )
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise RequestTooLarge(
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(operations)}"
        )
    try:
        # The document is copied here once; the library would otherwise copy it again.
        result = jsonpatch.JsonPatch(copy_json(operations)).apply(copy_json(doc), in_place=True)
    except _NOT_APPLICABLE as error:
        raise not_applicable() from error
    if not isinstance(result, dict):
        raise not_an_object(result)
    return result
