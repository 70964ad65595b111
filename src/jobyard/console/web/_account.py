"""Signing in and out, and the language switch: the only forms the web posts to itself.

Sign-in uses the API's own steps (the rate-limited password check, a new session, the same
cookie); its refusals are the API's messages in the page's language.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from jobyard.console.api import API_TEXTS, SESSION_COOKIE, forget_session_cookie, set_session_cookie
from jobyard.console.auth import (
    InvalidCredentials,
    NewSession,
    SignInLocked,
    create_session,
    end_session,
    sign_in,
)
from jobyard.console.i18n import LANGUAGES

from ._context import CsrfRefused, Db, WebCaller, anonymous_context, local_path, pages, services_of
from ._i18n import LANGUAGE_COOKIE, language_of_request

__all__ = ["router"]

router = APIRouter()
_YEAR = 365 * 24 * 3600


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/clusters", status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request, db: Db, next: str | None = None) -> Response:
    services = services_of(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id and services.sign_ins.web_session(db, session_id) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return _sign_in_form(request, next, name="", error=None, status=200)


@router.post("/sign-in")
async def sign_in_post(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    services = services_of(request)
    lang = language_of_request(request)
    address = request.client.host if request.client else "unknown"

    def signed_in() -> NewSession:
        # argon2 takes tens of milliseconds by design: off the event loop, with a session of its own.
        with services.sessions() as session:
            user = sign_in(session, services.limiter, name, password, address, clock=services.clock)
            return create_session(session, user, clock=services.clock)

    try:
        created = await run_in_threadpool(signed_in)
    except InvalidCredentials:
        return _sign_in_form(request, next, name, API_TEXTS["invalidCredentials"].pick(lang), 401)
    except SignInLocked as locked:
        seconds = max(1, int(locked.retry_after.total_seconds()))
        message = API_TEXTS["signInLocked"].pick(lang).format(seconds=seconds)
        return _sign_in_form(request, next, name, message, 429)
    response = RedirectResponse(local_path(next), status_code=303)
    set_session_cookie(response, created.session_id)
    return response


def _sign_in_form(request: Request, next_path: str | None, name: str, error: str | None, status: int) -> Response:
    lang = language_of_request(request)
    context = anonymous_context(request, next=local_path(next_path), name=name, error=error)
    return pages(request).response(lang, "sign_in.html", context, status=status, alternate="/api/me")


@router.post("/sign-out")
async def sign_out(caller: WebCaller, csrf_token: Annotated[str, Form()] = "") -> Response:
    """A form post, so it carries the session's CSRF token: another site cannot sign the user out."""
    if not (caller.csrf_token and hmac.compare_digest(caller.csrf_token.encode(), csrf_token.encode())):
        raise CsrfRefused()
    assert caller.session_id is not None
    end_session(caller.db, caller.session_id)
    response = RedirectResponse("/sign-in", status_code=303)
    forget_session_cookie(response)
    return response


@router.get("/language/{lang}")
async def choose_language(lang: str, next: str | None = None) -> Response:
    """Remembered for a year; a language switch changes nothing else, so it needs no CSRF token."""
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=_YEAR, path="/", samesite="lax")
    return response
