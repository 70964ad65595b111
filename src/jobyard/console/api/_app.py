"""The FastAPI application: the routers under ``/api`` and the error handlers."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from jobyard import __version__

from . import _account, _clusters, _jobs
from ._errors import ErrorBody, install_error_handlers, request_language
from ._services import ConsoleServices
from ._texts import api_text

__all__ = ["create_app"]


def create_app(services: ConsoleServices) -> FastAPI:
    app = FastAPI(
        title="jobyard console API",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        responses={
            401: {"model": ErrorBody, "description": "Not signed in"},
            403: {"model": ErrorBody, "description": "Not allowed, or a cookie session's CSRF token is missing"},
            422: {"model": ErrorBody, "description": "Field errors"},
        },
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_exception_handler(HTTPException, _http_error)
    api = APIRouter(prefix="/api")
    for module in (_account, _clusters, _jobs):
        api.include_router(module.router)
    app.include_router(api)
    return app


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Unknown paths and methods, in the same shape as every other error."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        code, message = "noRoute", api_text("noRoute", request_language(request))
    else:
        code, message = f"http{error.status_code}", str(error.detail)
    return JSONResponse(ErrorBody(code=code, message=message).model_dump(), status_code=error.status_code)
