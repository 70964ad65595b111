"""JSON merge patch (RFC 7386), ``application/merge-patch+json``."""

from __future__ import annotations

from typing import Any

from jobyard.cluster.store import copy_json

from ._errors import bad_patch, not_an_object

__all__ = ["merge_patch"]


def merge_patch(doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply ``patch`` to ``doc`` as RFC 7386 says, answering as upstream does.

    Upstream (evanphx/json-patch behind the apiserver) rejects a ``null`` or
    scalar patch as a bad request. An array patch replaces the document, as
    the RFC says, and the result then fails to decode as an object: 422.
    """
    if not isinstance(patch, (dict, list)):
        raise bad_patch("Invalid JSON Patch")
    if isinstance(patch, list):
        raise not_an_object(patch)
    return _merge(copy_json(doc), copy_json(patch))


def _merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result
