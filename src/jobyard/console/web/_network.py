"""Services of one namespace: type, cluster IP, ports (node ports too), selector and the pods behind them.

The page renders the API's own read (``read_services``), and its ``services`` block alone for htmx
(the Refresh button), so the endpoints shown can be brought up to date without a reload. The same
read gives a Job's detail page the Services whose selector picks the Job's pods.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from jobyard.console.api import Caller, ServiceOut, read_services
from jobyard.console.auth import PermissionDenied
from jobyard.console.clusters import KubeError

from ._clusters import cluster_context
from ._context import WebCaller, pages
from ._resources import namespace_page

__all__ = ["namespace_services", "router", "services_of_job"]

router = APIRouter()


@router.get("/clusters/{cluster}/services")
async def services_menu(cluster: str, caller: WebCaller, namespace: str | None = None) -> Response:
    return await namespace_page(cluster, caller, namespace, "services")


@router.get("/clusters/{cluster}/namespaces/{namespace}/services")
async def services_page(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    services = await read_services(cluster, namespace, caller)
    context = await cluster_context(request, caller, cluster, namespace, section="services")
    context["services"] = services
    block = "services" if request.headers.get("hx-target") == "services" else None
    alternate = f"/api/clusters/{cluster}/namespaces/{namespace}/services"
    return pages(request).response(caller.lang, "services.html", context, block=block, alternate=alternate)


async def namespace_services(caller: Caller, cluster: str, namespace: str) -> list[ServiceOut]:
    """The namespace's Services for a Job's page, which still shows when they cannot be read (then none)."""
    try:
        return await read_services(cluster, namespace, caller)
    except (PermissionDenied, KubeError):
        return []


def services_of_job(services: list[ServiceOut], job: dict[str, Any]) -> list[ServiceOut]:
    """The Services whose selector picks the Job's pods: the one the wizard made with it, if any."""
    labels = ((((job.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")) or {}
    return [
        service
        for service in services
        if service.selector and all(labels.get(key) == value for key, value in service.selector.items())
    ]
