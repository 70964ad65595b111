"""Permissions of one cluster or one namespace: who holds which role there, granting and revoking.

For whoever may grant a role there: an NS Admin grants NS Editor and NS Viewer in their namespace,
a Cluster Admin (and the platform Admin) also NS Admin and Cluster Admin. The page renders the
API's own read (``read_grants``, which lists only the grants the caller may change) and offers only
the roles the one permission check lets the caller grant; grants and revocations go to ``/api/grants``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from jobyard.console.api import Caller, read_grants
from jobyard.console.auth import Action, Role

from ._clusters import cluster_context
from ._context import WebCaller, pages
from ._sidebar import may_grant_in

__all__ = ["router"]

router = APIRouter()
# The right each role's grant needs, as the API's grant checks it (``auth.grant_role``).
_GRANT = {
    Role.CLUSTER_ADMIN: Action.GRANT_CLUSTER_ADMIN,
    Role.NS_ADMIN: Action.GRANT_NS_ADMIN,
    Role.NS_EDITOR: Action.GRANT_NS_EDITOR,
    Role.NS_VIEWER: Action.GRANT_NS_VIEWER,
}


def _grantable(caller: Caller, cluster: str, namespace: str | None) -> list[Role]:
    """The roles the caller may grant at this place: Cluster Admin on the cluster, the others in a namespace."""
    if namespace is None:
        return [Role.CLUSTER_ADMIN] if caller.may(_GRANT[Role.CLUSTER_ADMIN], cluster) else []
    return [
        role for role in (Role.NS_ADMIN, Role.NS_EDITOR, Role.NS_VIEWER) if caller.may(_GRANT[role], cluster, namespace)
    ]


@router.get("/clusters/{cluster}/permissions")
async def cluster_permissions(
    request: Request, cluster: str, caller: WebCaller, namespace: str | None = None
) -> Response:
    """The whole cluster for a Cluster Admin; an NS Admin is taken to (one of) their namespaces."""
    places = may_grant_in(caller, cluster)
    if None not in places:
        if not places:
            # Refused (403) and audited as the API refuses; nobody here may grant anything.
            caller.require(Action.GRANT_CLUSTER_ADMIN, cluster)
        chosen = namespace if namespace in places else places[0]
        return RedirectResponse(f"/clusters/{cluster}/namespaces/{chosen}/permissions", status_code=303)
    context = await cluster_context(request, caller, cluster, section="permissions")
    grants = await read_grants(caller, caller.db, cluster=cluster)
    context.update(
        grants=grants,
        scope_namespace=None,
        cluster_roles=_grantable(caller, cluster, None),
        namespace_roles=[Role.NS_ADMIN, Role.NS_EDITOR, Role.NS_VIEWER],
    )
    alternate = f"/api/grants?cluster={cluster}"
    return pages(request).response(caller.lang, "permissions.html", context, alternate=alternate)


@router.get("/clusters/{cluster}/namespaces/{namespace}/permissions")
async def namespace_permissions(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    caller.require(Action.GRANT_NS_VIEWER, cluster, namespace)
    context = await cluster_context(request, caller, cluster, namespace, section="permissions")
    grants = await read_grants(caller, caller.db, cluster=cluster, namespace=namespace)
    context.update(
        grants=grants,
        scope_namespace=namespace,
        cluster_roles=[],
        namespace_roles=_grantable(caller, cluster, namespace),
    )
    alternate = f"/api/grants?cluster={cluster}&namespace={namespace}"
    return pages(request).response(caller.lang, "permissions.html", context, alternate=alternate)
