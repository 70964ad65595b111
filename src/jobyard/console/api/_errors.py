"""Every refusal as one JSON shape, ``{code, message, fields: [{path, code, message}]}``, in the caller's language.

Services raise their own exceptions; the handlers here turn each into a status code and that
body, so no route catches errors just to reword them and bad input never becomes a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from jobyard.console.auth import (
    MIN_PASSWORD_LENGTH,
    AuthError,
    InvalidCredentials,
    InvalidUserName,
    PermissionDenied,
    SignInLocked,
    UnknownCluster,
    UnknownToken,
    UnknownUser,
    UserExists,
    WeakPassword,
)
from jobyard.console.clusters import JoinRefused, KubeError
from jobyard.console.forms import FieldError, Language
from jobyard.console.forms import message as form_message
from jobyard.console.jobs import (
    AlreadyFinished,
    ClusterUnreachable,
    Conflict,
    DeletionTimeout,
    Invalid,
    InvalidChanges,
    JobActionError,
    KubeApiError,
    NotFinished,
    NotFound,
    NotOwned,
    RerunInterrupted,
)
from jobyard.console.resources import RegistryError

from ._kube_api import translated_errors
from ._texts import api_text, language_of

__all__ = ["ApiError", "ErrorBody", "install_error_handlers", "job_action_refusal", "kube_field_errors"]


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class ApiError(Exception):
    """A refusal the API words itself (``code`` is an ``API_TEXTS`` key), with field errors if any."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        fields: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        self.status = status
        self.code = code
        self.fields = list(fields)
        self.headers = headers
        self.params = params
        super().__init__(code)


def request_language(request: Request) -> Language:
    return language_of(request.headers.get("accept-language"))


def _respond(
    status: int, code: str, message: str, fields: Sequence[FieldError] = (), headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(code=code, message=message, fields=list(fields))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def kube_field_errors(error: KubeApiError) -> list[FieldError]:
    """A cluster's causes on the manifest's own fields, for manifests no form made (YAML)."""
    return [
        FieldError(
            path=str(cause.get("field") or ""),
            code=str(cause.get("reason") or "rejected"),
            message=str(cause.get("message") or ""),
        )
        for cause in error.causes
    ]


_AUTH_STATUS: dict[type[AuthError], tuple[int, str]] = {
    InvalidCredentials: (401, "invalidCredentials"),
    InvalidUserName: (422, "invalidUserName"),
    UserExists: (409, "userExists"),
    UnknownUser: (404, "unknownUser"),
    UnknownCluster: (404, "unknownCluster"),
    UnknownToken: (404, "unknownToken"),
}

_REGISTRY_STATUS = {
    "registryNameInvalid": 422,
    "registryUrlInvalid": 422,
    "registryNameTaken": 409,
    "registryUnknown": 404,
    "registryNoCredentials": 409,
}


def _auth_error(request: Request, error: Exception) -> JSONResponse:
    lang = request_language(request)
    if isinstance(error, PermissionDenied):
        return _respond(403, "forbidden", api_text("forbidden", lang, action=error.action.value))
    if isinstance(error, SignInLocked):
        seconds = max(1, int(error.retry_after.total_seconds()))
        return _respond(
            429, "signInLocked", api_text("signInLocked", lang, seconds=seconds), headers={"Retry-After": str(seconds)}
        )
    if isinstance(error, WeakPassword):
        message = api_text("weakPassword", lang, detail=str(error), minimum=MIN_PASSWORD_LENGTH)
        return _respond(
            422, "weakPassword", message, [FieldError(path="password", code="weakPassword", message=message)]
        )
    status, code = next(
        (pair for kind, pair in _AUTH_STATUS.items() if isinstance(error, kind)), (400, "invalidCredentials")
    )
    params = {"name": getattr(error, "name", ""), "id": getattr(error, "token_id", "")}
    return _respond(status, code, api_text(code, lang, **params))


def _kube_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, KubeApiError)
    lang = request_language(request)
    detail = error.message or error.reason
    if isinstance(error, ClusterUnreachable):
        return _respond(503, "clusterUnreachable", api_text("clusterUnreachable", lang, detail=detail))
    if isinstance(error, NotFound):
        return _respond(404, "notFound", api_text("notFound", lang, detail=detail))
    if isinstance(error, Conflict):
        return _respond(409, "conflict", api_text("conflict", lang, detail=detail))
    if isinstance(error, Invalid):
        return _respond(422, "invalid", api_text("invalid", lang), kube_field_errors(error))
    return _respond(502, "clusterError", api_text("clusterError", lang, detail=detail))


def _client_error(request: Request, error: Exception) -> JSONResponse:
    """A ``KubeError`` from a service that calls the cluster client directly (resources, clusters)."""
    try:
        with translated_errors():
            raise error
    except KubeApiError as translated:
        return _kube_error(request, translated)


def job_action_refusal(error: JobActionError, lang: Language) -> tuple[int, str, str]:
    """The HTTP status, code and message, in ``lang``, of the job service's refusal (the web's error pages use it too)."""
    if isinstance(error, NotOwned):
        return 404, "notOwned", api_text("notOwned", lang, name=error.name, pod=error.pod)
    if isinstance(error, DeletionTimeout):
        return 504, "deletionTimeout", api_text("deletionTimeout", lang, name=error.name)
    if isinstance(error, RerunInterrupted):
        return 409, "rerunInterrupted", api_text("rerunInterrupted", lang, name=error.name)
    code = "notFinished" if isinstance(error, NotFinished) else "alreadyFinished"
    assert isinstance(error, NotFinished | AlreadyFinished)
    return 409, code, api_text(code, lang, name=error.name)


def _job_action_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, JobActionError)
    return _respond(*job_action_refusal(error, request_language(request)))


def _invalid_changes(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidChanges)
    return _respond(422, "invalid", api_text("invalid", request_language(request)), error.errors)


# The field of the registry form each refusal of its input is about.
_REGISTRY_FIELDS = {"registryNameInvalid": "name", "registryUrlInvalid": "url"}


def _registry_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RegistryError)
    status = _REGISTRY_STATUS.get(error.code, 502)
    message = error.message(request_language(request))
    field = _REGISTRY_FIELDS.get(error.code)
    fields = [FieldError(path=field, code=error.code, message=message)] if field else []
    return _respond(status, error.code, message, fields)


def _join_refused(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, JoinRefused)
    lang = request_language(request)
    code = error.result.code or "clusterError"
    message = error.result.message(lang)
    path = "name" if code.startswith("clusterName") else "kubeconfig"
    return _respond(422, code, message, [FieldError(path=path, code=code, message=message)])


def _api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    message = api_text(error.code, request_language(request), **error.params)
    return _respond(error.status, error.code, message, error.fields, error.headers)


def _request_invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    lang = request_language(request)
    fields = [
        FieldError(
            path=_path_of(problem.get("loc", ())),
            code=str(problem.get("type", "invalid")),
            # pydantic words its problems in English only; the commonest one has its own text.
            message=form_message("required", lang)
            if problem.get("type") == "missing"
            else api_text("badValue", lang, detail=problem.get("msg", "")),
        )
        for problem in error.errors()
    ]
    return _respond(422, "invalid", api_text("invalid", lang), fields)


def _path_of(location: Sequence[Any]) -> str:
    """pydantic's location as a form path: ``("body", "form", "containers", 0, "image")`` → ``form.containers[0].image``."""
    path = ""
    for part in location[1:] if location and location[0] in ("body", "query", "path") else location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(AuthError, _auth_error)
    app.add_exception_handler(KubeApiError, _kube_error)
    app.add_exception_handler(KubeError, _client_error)
    app.add_exception_handler(JobActionError, _job_action_error)
    app.add_exception_handler(InvalidChanges, _invalid_changes)
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(JoinRefused, _join_refused)
    app.add_exception_handler(RequestValidationError, _request_invalid)
