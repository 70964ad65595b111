"""ConfigMaps & Secrets of one namespace: the lists, and dialogs that create a ConfigMap, an Opaque Secret
or an image pull Secret through the JSON API.

The page renders the API's own reads (``read_configmaps``, ``read_secrets``) for the same caller. A
Secret is shown by name, type and keys only, as the API answers; whoever may not list Secrets here
(an NS Viewer) sees no Secrets at all, and the create buttons show only where the role allows them.
After a create, the page asks for its ``configmaps`` or ``secrets`` block alone (htmx, ``HX-Target``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from jobyard.console.api import Caller, SecretOut, read_configmaps, read_namespaces, read_secrets
from jobyard.console.auth import Action

from ._clusters import cluster_context
from ._context import WebCaller, pages

__all__ = ["namespace_page", "router"]

router = APIRouter()
_BLOCKS = ("configmaps", "secrets")


async def namespace_page(cluster: str, caller: Caller, namespace: str | None, tail: str) -> Response:
    """A namespaced page opened from the side menu: the namespace chosen, else ``default``, else the first."""
    names = [item.name for item in await read_namespaces(cluster, caller)]
    if namespace not in names:
        namespace = "default" if "default" in names else (names[0] if names else None)
    if namespace is None:
        return RedirectResponse(f"/clusters/{cluster}/namespaces", status_code=303)
    return RedirectResponse(f"/clusters/{cluster}/namespaces/{namespace}/{tail}", status_code=303)


@router.get("/clusters/{cluster}/configs")
async def configs_menu(cluster: str, caller: WebCaller, namespace: str | None = None) -> Response:
    return await namespace_page(cluster, caller, namespace, "configs")


@router.get("/clusters/{cluster}/namespaces/{namespace}/configs")
async def configs_page(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    configmaps = await read_configmaps(cluster, namespace, caller)
    secrets: list[SecretOut] | None = None
    if caller.may(Action.SECRET_LIST, cluster, namespace):
        secrets = await read_secrets(cluster, namespace, caller)
    context = await cluster_context(request, caller, cluster, namespace, section="configs")
    context.update(configmaps=configmaps, secrets=secrets, registry_servers=_registry_servers(caller))
    target = request.headers.get("hx-target")
    block = target if request.headers.get("hx-request") and target in _BLOCKS else None
    alternate = f"/api/clusters/{cluster}/namespaces/{namespace}/configmaps"
    return pages(request).response(caller.lang, "configs.html", context, block=block, alternate=alternate)


def _registry_servers(caller: Caller) -> list[str]:
    """The configured registries' addresses, offered when typing a pull Secret's registry."""
    if not caller.may(Action.REGISTRY_LIST):
        return []
    return sorted({info.server for info in caller.services.registries.list_registries(caller.user)})
