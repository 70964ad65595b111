"""The Admin's pages: users, role grants, the audit log. Changes post to the JSON API.

The grants page is also for whoever may grant a namespace role (an NS Admin): it lists the
grants the API shows them, which are the ones they may change.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from jobyard.console.api import read_audit, read_clusters, read_grants, read_users
from jobyard.console.auth import Action, Role

from ._context import WebCaller, base_context, pages

__all__ = ["router"]

router = APIRouter()
AUDIT_PAGE = 100


@router.get("/admin/users")
async def users_page(request: Request, caller: WebCaller) -> Response:
    users = await read_users(caller)
    context = base_context(request, caller, users=users, may_create=caller.may(Action.USER_CREATE))
    return pages(request).response(caller.lang, "users.html", context, alternate="/api/users")


@router.get("/admin/grants")
async def grants_page(request: Request, caller: WebCaller) -> Response:
    grants = await read_grants(caller, caller.db)
    clusters = [cluster.name for cluster in await read_clusters(caller)]
    context = base_context(request, caller, grants=grants, roles=list(Role), cluster_names=clusters)
    return pages(request).response(caller.lang, "grants.html", context, alternate="/api/grants")


@router.get("/admin/audit")
async def audit_page(
    request: Request,
    caller: WebCaller,
    user: str | None = None,
    cluster: str | None = None,
    namespace: str | None = None,
    before_id: Annotated[int | None, Query(alias="beforeId")] = None,
) -> Response:
    filters = {"user": user or None, "cluster": cluster or None, "namespace": namespace or None}
    entries = await read_audit(caller, before_id=before_id, limit=AUDIT_PAGE, **filters)
    older = None
    if len(entries) == AUDIT_PAGE:
        older = urlencode({**{k: v for k, v in filters.items() if v}, "beforeId": entries[-1].id})
    context = base_context(request, caller, entries=entries, filters=filters, older=older)
    twin = "/api/audit" + (f"?{request.url.query}" if request.url.query else "")
    return pages(request).response(caller.lang, "audit.html", context, alternate=twin)
