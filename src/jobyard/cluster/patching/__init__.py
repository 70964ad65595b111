"""How PATCH bodies change stored objects.

One function per patch content type, each pure over plain JSON dicts:

* :func:`merge_patch` — ``application/merge-patch+json`` (RFC 7386);
* :func:`json_patch` — ``application/json-patch+json`` (RFC 6902);
* :func:`strategic_merge_patch` — ``application/strategic-merge-patch+json``;
* :func:`apply` — ``application/apply-patch+yaml`` (server-side apply), with
  :func:`record_update` keeping ``metadata.managedFields`` true on every other
  write.

Failures are :class:`~jobyard.cluster.errors.StatusError` with the code and
reason upstream answers.
"""

from ._apply import apply
from ._json import MAX_JSON_PATCH_OPERATIONS, json_patch
from ._managed_fields import record_update
from ._merge import merge_patch
from ._strategic import strategic_merge_patch

__all__ = [
    "MAX_JSON_PATCH_OPERATIONS",
    "apply",
    "json_patch",
    "merge_patch",
    "record_update",
    "strategic_merge_patch",
]
