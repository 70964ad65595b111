"""Who is looking at a page: the session cookie's user, in the language they chose, and what they may do.

The web uses the API's sessions and its ``Caller``, so a page and its JSON twin see the caller
through the same permission check. A page with no valid session sends the browser to sign in.
Changes made from a page go to the JSON API (htmx), carrying the session's CSRF token in the
``X-CSRF-Token`` header; the web's own form posts (sign-out) carry it as a form field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jobyard.console.api import SESSION_COOKIE, Caller, services_of
from jobyard.console.auth import Action, Role, capabilities
from jobyard.console.i18n import Language

from ._i18n import language_of_request
from ._templates import Pages

__all__ = [
    "CsrfRefused",
    "Db",
    "SignInNeeded",
    "WebCaller",
    "anonymous_context",
    "base_context",
    "local_path",
    "pages",
    "services_of",
]

# The roles that may grant roles to others (docs/permissions.md), and so see the grants page.
_GRANTING = frozenset({Role.CLUSTER_ADMIN, Role.NS_ADMIN})


class CsrfRefused(Exception):
    """A form post without the session's CSRF token: refused with 403."""


class SignInNeeded(Exception):
    """No live session: the browser is sent to the sign-in page, and back here afterwards."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


def pages(request: Request) -> Pages:
    found: Pages = request.app.state.pages
    return found


async def _db(request: Request) -> AsyncIterator[Session]:
    with services_of(request).sessions() as session:
        yield session


Db = Annotated[Session, Depends(_db)]


async def _web_caller(request: Request, db: Db) -> Caller:
    services = services_of(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    web_session = services.sign_ins.web_session(db, session_id) if session_id else None
    if web_session is None:
        raise SignInNeeded(local_path(str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")))
    lang: Language = language_of_request(request)
    return Caller(web_session.user, db, lang, services, web_session.csrf_token, session_id)


WebCaller = Annotated[Caller, Depends(_web_caller)]


def local_path(candidate: str | None, default: str = "/clusters") -> str:
    """Only a path on this site is a place to return to: ``//evil.example`` and ``https://…`` are not."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return default
    return candidate


def base_context(request: Request, caller: Caller, **context: Any) -> dict[str, Any]:
    """What every signed-in page's layout needs: the user, the CSRF token, the platform menu."""
    platform = capabilities(caller.principal)
    return {
        "request": request,
        "user": caller.user,
        "csrf": caller.csrf_token or "",
        "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        "now": caller.services.clock(),
        "menu": {
            "users": Action.USER_LIST in platform,
            "audit": Action.AUDIT_VIEW in platform,
            "grants": caller.user.is_admin or any(b.role in _GRANTING for b in caller.principal.bindings),
        },
        "cluster": None,
        "namespace": None,
        "section": "",
        **context,
    }


def anonymous_context(request: Request, **context: Any) -> dict[str, Any]:
    """The layout's context for a page anyone may see (sign-in, errors): no user, no menu."""
    here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    return {"request": request, "here": here, "cluster": None, "namespace": None, "section": "", **context}
