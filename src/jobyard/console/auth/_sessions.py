"""Browser sessions: a random id in a cookie, only its hash in the database, and a CSRF token each.

A stolen database therefore yields no usable session ids. The CSRF token is
sent back by the UI in a header or form field on every change and compared
with the session's own, so another site cannot make a signed-in browser act.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, contains_eager

from jobyard.console.db import User, WebSession

from ._clock import Clock, utc_now
from ._principals import with_bindings

__all__ = ["SESSION_LIFETIME", "NewSession", "create_session", "csrf_matches", "end_session", "resolve_session"]

SESSION_LIFETIME = timedelta(hours=12)
_SESSION_ID_BYTES = 32


@dataclass(frozen=True)
class NewSession:
    """What the browser receives once: the session id for its cookie and the CSRF token for its forms."""

    session_id: str
    csrf_token: str
    expires: datetime


def create_session(
    session: Session, user: User, *, lifetime: timedelta = SESSION_LIFETIME, clock: Clock = utc_now
) -> NewSession:
    session_id = secrets.token_urlsafe(_SESSION_ID_BYTES)
    csrf_token = secrets.token_urlsafe(_SESSION_ID_BYTES)
    now = clock()
    expires = now + lifetime
    session.add(
        WebSession(id_hash=_hash(session_id), user_id=user.id, csrf_token=csrf_token, created=now, expires=expires)
    )
    # Sign-ins are when sessions accumulate, so that is when expired ones are swept.
    session.execute(delete(WebSession).where(WebSession.expires <= now))
    session.commit()
    return NewSession(session_id, csrf_token, expires)


def resolve_session(session: Session, session_id: str, *, clock: Clock = utc_now) -> WebSession | None:
    """The live session with this id, or None if it is unknown, expired or its user disabled."""
    web_session = session.scalar(
        select(WebSession)
        .join(WebSession.user)
        .options(contains_eager(WebSession.user))
        .where(WebSession.id_hash == _hash(session_id))
    )
    if web_session is None:
        return None
    user = web_session.user
    if web_session.expires <= clock():
        session.delete(web_session)
        session.commit()
        return None
    if user.disabled:
        return None
    with_bindings(session, user)
    return web_session


def end_session(session: Session, session_id: str) -> None:
    """Sign out; ending an unknown or already ended session is not an error."""
    session.execute(delete(WebSession).where(WebSession.id_hash == _hash(session_id)))
    session.commit()


def csrf_matches(web_session: WebSession, submitted: str | None) -> bool:
    """Whether a submitted CSRF token is this session's (compared in constant time)."""
    if not submitted:
        return False
    return hmac.compare_digest(web_session.csrf_token.encode(), submitted.encode())


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
