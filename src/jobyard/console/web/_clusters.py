"""Pages of the clusters: the list (with "join cluster" for the Admin), one cluster, its namespaces.

Each page renders what its JSON twin answers: the page calls the API's own read with the
same caller. Joining a cluster and creating or deleting a namespace post to the JSON API.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from jobyard.console.api import Caller, ClusterOut, read_clusters, read_namespaces
from jobyard.console.auth import Action, UnknownCluster, capabilities

from ._context import WebCaller, base_context, pages
from ._sidebar import sidebar_of

__all__ = ["cluster_context", "router"]

router = APIRouter()


@router.get("/clusters")
async def clusters_page(request: Request, caller: WebCaller) -> Response:
    listed = await read_clusters(caller)
    context = base_context(request, caller, clusters=listed, may_join=caller.may(Action.CLUSTER_JOIN))
    return pages(request).response(caller.lang, "clusters.html", context, alternate="/api/clusters")


async def cluster_context(
    request: Request, caller: Caller, cluster: str, namespace: str | None = None, section: str = "workloads"
) -> dict[str, Any]:
    """The layout of a page inside one cluster: the cluster, its namespaces for the switcher, what the caller may."""
    found = await _cluster(caller, cluster)
    namespaces = await read_namespaces(cluster, caller)
    return base_context(
        request,
        caller,
        cluster=found,
        namespace=namespace,
        namespaces=[item.name for item in namespaces],
        section=section,
        sidebar=sidebar_of(caller, cluster),
        may=capabilities(caller.principal, cluster, namespace)
        if namespace
        else capabilities(caller.principal, cluster),
    )


async def _cluster(caller: Caller, name: str) -> ClusterOut:
    for cluster in await read_clusters(caller):
        if cluster.name == name:
            return cluster
    # A cluster the caller has no role on is as unknown to them as one that does not exist.
    raise UnknownCluster(name)


@router.get("/clusters/{cluster}")
async def cluster_page(request: Request, cluster: str, caller: WebCaller) -> Response:
    context = await cluster_context(request, caller, cluster, section="overview")
    return pages(request).response(caller.lang, "cluster.html", context, alternate="/api/clusters")


@router.get("/clusters/{cluster}/namespaces")
async def namespaces_page(request: Request, cluster: str, caller: WebCaller) -> Response:
    context = await cluster_context(request, caller, cluster, section="namespaces")
    context["namespace_rows"] = await read_namespaces(cluster, caller)
    alternate = f"/api/clusters/{cluster}/namespaces"
    return pages(request).response(caller.lang, "namespaces.html", context, alternate=alternate)


@router.get("/clusters/{cluster}/workloads")
async def workloads(cluster: str, caller: WebCaller, namespace: str | None = None) -> Response:
    """Workloads open on the Jobs tab of the chosen namespace (the switcher's target), else the first one."""
    names = [item.name for item in await read_namespaces(cluster, caller)]
    if namespace not in names:
        namespace = "default" if "default" in names else (names[0] if names else None)
    if namespace is None:
        return RedirectResponse(f"/clusters/{cluster}/namespaces", status_code=303)
    return RedirectResponse(f"/clusters/{cluster}/namespaces/{namespace}/jobs", status_code=303)
