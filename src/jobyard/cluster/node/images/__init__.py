"""Container images for the node: references, registry pulls, archives and the content-addressed store.

``ImageStore`` keeps each layer unpacked once, in overlayfs's form, for
runtimes to mount read-only as lowerdirs (``Image.layers``, lowest first).
"""

from jobyard.cluster.node.images._credentials import (
    RegistryCredential,
    credential_for,
    credentials_from_dockerconfigjson,
)
from jobyard.cluster.node.images._errors import ImageError, ImageInUse, ImageNotFound, PullError
from jobyard.cluster.node.images._oci import ImageConfig, host_platform
from jobyard.cluster.node.images._reference import Reference, normalize_reference, parse_reference
from jobyard.cluster.node.images._store import Image, ImageStore, Progress, low_disk

__all__ = [
    "Image",
    "ImageConfig",
    "ImageError",
    "ImageInUse",
    "ImageNotFound",
    "ImageStore",
    "Progress",
    "PullError",
    "Reference",
    "RegistryCredential",
    "credential_for",
    "credentials_from_dockerconfigjson",
    "host_platform",
    "low_disk",
    "normalize_reference",
    "parse_reference",
]
