"""What a cluster's side menu offers the caller: each entry only to those the permission check lets in.

ConfigMaps & Secrets and Services open in a namespace, as Workloads do; Permissions is for whoever
may grant a role somewhere in the cluster (a Cluster Admin, or an NS Admin of one of its namespaces).
"""

from __future__ import annotations

from jobyard.console.api import Caller
from jobyard.console.auth import Action

__all__ = ["may_grant_in", "sidebar_of"]


def may_grant_in(caller: Caller, cluster: str) -> list[str | None]:
    """The places of ``cluster`` where the caller may grant a role: ``None`` is the cluster itself."""
    if caller.may(Action.GRANT_CLUSTER_ADMIN, cluster):
        return [None]
    namespaces = {binding.namespace for binding in caller.principal.bindings if binding.cluster == cluster}
    own = sorted(ns for ns in namespaces if ns is not None and caller.may(Action.GRANT_NS_VIEWER, cluster, ns))
    return list[str | None](own)


def sidebar_of(caller: Caller, cluster: str) -> dict[str, bool]:
    return {"permissions": bool(may_grant_in(caller, cluster))}
