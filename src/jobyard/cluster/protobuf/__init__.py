"""Kubernetes protobuf request bodies (``application/vnd.kubernetes.protobuf``), read as JSON-shaped data.

Typed client-go clients, and so kubectl's ``create`` generators, send their bodies in protobuf.
:func:`decode_object` turns such a body into the dict the same object would have been as JSON.
"""

from jobyard.cluster.protobuf._decoder import MAGIC, MEDIA_TYPE, decode_object

__all__ = ["MAGIC", "MEDIA_TYPE", "decode_object"]
