"""Joined clusters and the one way the console talks to them: the Kubernetes API, by kubeconfig.

:class:`KubeClient` is an async client speaking plain dicts, made from kubeconfig
text (lightkube underneath); every failure it raises is a :class:`KubeError`
carrying the Kubernetes ``Status``, or :class:`ClusterUnreachable` when no API
server answered. :func:`validate_kubeconfig` checks a kubeconfig before it is
kept; :class:`ClusterService` keeps joined clusters (kubeconfigs sealed by the
data dir's ``SecretBox``), hands out cached clients and runs health checks. :class:`ClusterCache`
keeps a cluster's Jobs and pods in memory by list+watch (:class:`Informer` over an
:class:`ObjectStore`), for the Job list and the live pages.
"""

from ._cache import CACHED_KINDS, ClusterCache, Interest
from ._client import FIELD_MANAGER, InvalidKubeconfig, KubeClient, ObjectList, PatchStrategy, Propagation, WatchEvent
from ._errors import ClusterUnreachable, KubeError, Unreachability
from ._informer import Informer
from ._kinds import CONFIGMAPS, EVENTS, JOBS, NAMESPACES, NODES, PODS, SECRETS, SERVICES, Kind
from ._messages import CLUSTER_MESSAGES, cluster_message
from ._service import LOCAL_CLUSTER, ClusterInfo, ClusterService, ClusterStatus, JoinRefused
from ._store import ObjectStore, controller_uid, is_newer
from ._validate import REQUIRED_ACCESS, ValidationResult, validate_kubeconfig

__all__ = [
    "CACHED_KINDS",
    "CLUSTER_MESSAGES",
    "CONFIGMAPS",
    "EVENTS",
    "FIELD_MANAGER",
    "JOBS",
    "LOCAL_CLUSTER",
    "NAMESPACES",
    "NODES",
    "PODS",
    "REQUIRED_ACCESS",
    "SECRETS",
    "SERVICES",
    "ClusterCache",
    "ClusterInfo",
    "ClusterService",
    "ClusterStatus",
    "ClusterUnreachable",
    "Informer",
    "Interest",
    "InvalidKubeconfig",
    "JoinRefused",
    "Kind",
    "KubeClient",
    "KubeError",
    "ObjectList",
    "ObjectStore",
    "PatchStrategy",
    "Propagation",
    "Unreachability",
    "ValidationResult",
    "WatchEvent",
    "cluster_message",
    "controller_uid",
    "is_newer",
    "validate_kubeconfig",
]
