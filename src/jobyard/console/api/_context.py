"""Who is calling: a bearer API token or a session cookie (with its CSRF token on changes), and in which language.

Cookies are sent by browsers on their own, so a cookie-authenticated change must also carry
the session's CSRF token in a header another site cannot set. API tokens are never sent
implicitly, so they need none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response as StarletteResponse

from jobyard.console.auth import (
    SESSION_LIFETIME,
    Action,
    AuditResult,
    Principal,
    allowed,
    csrf_matches,
    principal_of,
    record_audit,
    require,
)
from jobyard.console.db import User
from jobyard.console.forms import Language

from ._errors import ApiError, request_language
from ._services import ConsoleServices

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Caller",
    "CallerDep",
    "Db",
    "Lang",
    "Services",
    "forget_session_cookie",
    "services_of",
    "set_session_cookie",
]

SESSION_COOKIE = "jobyard_session"
CSRF_HEADER = "X-CSRF-Token"


def set_session_cookie(response: StarletteResponse, session_id: str) -> None:
    """The session cookie as API and web set it: HTTP-only, same-site strict, for the session's lifetime."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
    )


def forget_session_cookie(response: StarletteResponse) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def services_of(request: Request) -> ConsoleServices:
    """The console's services, for code that has the request but is no dependency."""
    services: ConsoleServices = request.app.state.services
    return services


# The dependencies are coroutines even where they need not be: FastAPI runs a plain function
# dependency in a worker thread, a hop that cost more than the work it does.


async def _services(request: Request) -> ConsoleServices:
    return services_of(request)


async def _language(request: Request) -> Language:
    return request_language(request)


async def _db(request: Request) -> AsyncIterator[Session]:
    with services_of(request).sessions() as session:
        yield session


Services = Annotated[ConsoleServices, Depends(_services)]
Db = Annotated[Session, Depends(_db)]
Lang = Annotated[Language, Depends(_language)]


@dataclass
class Caller:
    """The signed-in user of one request, with the request's database session and language."""

    user: User
    db: Session
    lang: Language
    services: ConsoleServices
    # The session's CSRF token when the caller signed in with a cookie; None for API tokens.
    csrf_token: str | None = None
    session_id: str | None = None

    @property
    def principal(self) -> Principal:
        return principal_of(self.user)

    def may(self, action: Action, cluster: str | None = None, namespace: str | None = None) -> bool:
        return allowed(self.principal, action, cluster, namespace)

    def require(
        self, action: Action, cluster: str | None = None, namespace: str | None = None, target: str | None = None
    ) -> None:
        """Refuse with 403, recording the refusal in the audit log, unless the caller may."""
        require(
            self.db,
            self.user,
            action,
            cluster=cluster,
            namespace=namespace,
            target=target,
            clock=self.services.clock,
        )

    def audit(
        self,
        action: str,
        *,
        cluster: str | None = None,
        namespace: str | None = None,
        target: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Record a change made on a cluster, where no database transaction carries it."""
        record_audit(
            self.db,
            user=self.user.name,
            action=action,
            result=AuditResult.OK,
            cluster=cluster,
            namespace=namespace,
            target=target,
            detail=detail,
            clock=self.services.clock,
        )


async def _caller(request: Request, db: Db) -> Caller:
    # Read here rather than as dependencies of their own: each dependency costs every request.
    services = services_of(request)
    lang = request_language(request)
    authorization = request.headers.get("authorization", "")
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() == "bearer" and credential:
        user = services.sign_ins.user_of_token(db, credential.strip())
        if user is None:
            raise ApiError(401, "unauthenticated", headers={"WWW-Authenticate": "Bearer"})
        return Caller(user, db, lang, services)
    session_id = request.cookies.get(SESSION_COOKIE)
    web_session = services.sign_ins.web_session(db, session_id) if session_id else None
    if web_session is None:
        raise ApiError(401, "unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    if request.method not in _SAFE_METHODS and not csrf_matches(web_session, request.headers.get(CSRF_HEADER)):
        raise ApiError(403, "csrfMissing")
    return Caller(web_session.user, db, lang, services, web_session.csrf_token, session_id)


CallerDep = Annotated[Caller, Depends(_caller)]
