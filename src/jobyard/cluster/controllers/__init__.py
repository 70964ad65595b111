"""Controllers of the embedded cluster: level-triggered loops over the in-process client."""

from ._runtime import Controller, WorkQueue
from .endpoints import EndpointsController
from .eventttl import EventTTLController
from .gc import GarbageCollector
from .namespace import NamespaceController
from .podgc import PodGarbageCollector
from .serviceaccount import ServiceAccountController
from .ttl import TTLAfterFinishedController

__all__ = [
    "Controller",
    "EndpointsController",
    "EventTTLController",
    "GarbageCollector",
    "NamespaceController",
    "PodGarbageCollector",
    "ServiceAccountController",
    "TTLAfterFinishedController",
    "WorkQueue",
]
