"""Services of one namespace: type, cluster IP, ports (node ports too), selector and the pods behind them.

The page renders the API's own read (``read_services``), and its ``services`` block alone for htmx
(the Refresh button), so the endpoints shown can be brought up to date without a reload.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from jobyard.console.api import read_services

from ._clusters import cluster_context
from ._context import WebCaller, pages
from ._resources import namespace_page

__all__ = ["router"]

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
