"""The web console as a sub-application mounted at ``/``, beside (never over) the JSON API at ``/api``.

Its own error handlers answer in HTML: no session → the sign-in page; a refusal → 403; an unknown
place → 404; a cluster that does not answer → 503. The API keeps its JSON errors, 404s and 405s
for every path under ``/api``, because the mount does not match those paths at all.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from jobyard.console.api import ConsoleServices, create_app, job_action_refusal
from jobyard.console.auth import PermissionDenied, UnknownCluster
from jobyard.console.clusters import ClusterUnreachable as ClientUnreachable
from jobyard.console.clusters import KubeError
from jobyard.console.jobs import ClusterUnreachable, JobActionError, KubeApiError, NotFound

from . import _account, _admin, _clusters, _jobs, _network, _permissions, _resources, _wizard
from ._context import CsrfRefused, SignInNeeded, anonymous_context, pages
from ._i18n import language_of_request
from ._templates import STATIC, Pages

__all__ = ["console_app", "web_app"]


def web_app(services: ConsoleServices) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.services = services
    app.state.pages = Pages()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (_account, _clusters, _resources, _network, _permissions, _wizard, _jobs, _admin):
        app.include_router(module.router)
    app.add_exception_handler(SignInNeeded, _sign_in_needed)
    for error in (
        CsrfRefused,
        PermissionDenied,
        UnknownCluster,
        KubeApiError,
        KubeError,
        HTTPException,
        JobActionError,
    ):
        app.add_exception_handler(error, _error_page)
    return app


def console_app(services: ConsoleServices) -> FastAPI:
    """The JSON API with the web console mounted beside it: what ``serve_console`` serves."""
    app = create_app(services)
    app.router.routes.append(_BesideTheApi("/", app=web_app(services)))
    return app


class _BesideTheApi(Mount):
    """A mount at ``/`` that leaves ``/api`` and everything under it to the API's own router."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


async def _sign_in_needed(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInNeeded)
    target = f"/sign-in?{_next_query(error.next_path)}"
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load; a 303 would be swapped into the page.
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _next_query(path: str) -> str:
    return urlencode({"next": path})


async def _error_page(request: Request, error: Exception) -> Response:
    lang = language_of_request(request)
    detail: str | None
    if isinstance(error, JobActionError):
        status, _, detail = job_action_refusal(error, lang)
        kind = "error"
    else:
        status, kind, detail = _classify(error)
    context = anonymous_context(request, status=status, kind=kind, detail=detail)
    return pages(request).response(lang, "error.html", context, status=status)


def _classify(error: Exception) -> tuple[int, str, str | None]:
    """The status, the kind of trouble (the error page's wording) and the cluster's own words, if any."""
    if isinstance(error, CsrfRefused | PermissionDenied):
        return 403, "forbidden", None
    if isinstance(error, UnknownCluster):
        return 404, "notFound", None
    if isinstance(error, HTTPException):
        return error.status_code, "notFound" if error.status_code == 404 else "error", None
    if isinstance(error, ClusterUnreachable | ClientUnreachable):
        return 503, "unreachable", error.message or None
    if isinstance(error, NotFound) or (isinstance(error, KubeError) and error.code == 404):
        return 404, "notFound", None
    assert isinstance(error, KubeApiError | KubeError)
    return 502, "clusterError", error.message or error.reason or None
