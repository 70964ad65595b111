"""Upstream's API schemas for the kinds we serve.

The definitions come from the ``kubernetes-validate`` package, which ships
upstream's OpenAPI definitions (JSON-schema flavoured: ``$defs`` and
``{"type": ["string", "null"]}``). They carry the ``x-kubernetes-patch-*`` and
``x-kubernetes-list-*`` markers that strategic merge patch and server-side apply
need, and they feed ``/openapi/v2`` and ``/openapi/v3``.
"""

from ._baseline import ABSENT
from ._decoding import decode
from ._definitions import (
    KUBERNETES_SCHEMA_VERSION,
    child,
    definition,
    definitions,
    referenced_definitions,
    resolve,
)
from ._openapi_v2 import openapi_v2
from ._openapi_v2_protobuf import (
    OPENAPI_V2_PROTOBUF_ACCEPT,
    OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
    openapi_v2_protobuf,
)
from ._openapi_v3 import openapi_v3_group, openapi_v3_index
from ._patch_strategy import patch_strategy
from ._strict_decoding import duplicate_fields
from ._type_errors import type_errors

__all__ = [
    "ABSENT",
    "KUBERNETES_SCHEMA_VERSION",
    "OPENAPI_V2_PROTOBUF_ACCEPT",
    "OPENAPI_V2_PROTOBUF_CONTENT_TYPE",
    "child",
    "decode",
    "definition",
    "definitions",
    "duplicate_fields",
    "openapi_v2",
    "openapi_v2_protobuf",
    "openapi_v3_group",
    "openapi_v3_index",
    "patch_strategy",
    "referenced_definitions",
    "resolve",
    "type_errors",
]
