"""The HTTP surface of the embedded cluster: routing, discovery, verbs, watch, tables."""

from ._app import ApiServer

__all__ = ["ApiServer"]
