"""Failures of the image store, worded for a kubelet ``Failed`` event."""

from __future__ import annotations

__all__ = ["ImageError", "ImageInUse", "ImageNotFound", "PullError"]


class ImageError(Exception):
    """Base of every image store failure; ``str()`` is the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PullError(ImageError):
    """An image could not be fetched or unpacked; nothing of it was kept.

    ``not_found`` and ``unauthorized`` tell the kubelet which of upstream's
    reasons applies (``ErrImagePull`` either way, but the message differs).
    """

    def __init__(self, message: str, *, not_found: bool = False, unauthorized: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found
        self.unauthorized = unauthorized


class ImageNotFound(ImageError):
    """No image in the store answers to the reference or id."""


class ImageInUse(ImageError):
    """The image is used by a container and may not be removed."""
