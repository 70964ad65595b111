"""API tokens for the API and the CLI: ``jy_`` and 43 random characters, shown once, stored as SHA-256.

The tokens carry 256 random bits, so a fast hash is enough: no password
guessing applies, and resolving one costs a single indexed lookup per request.
The first characters are kept in clear so a user can tell their tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobyard.console.db import ApiToken, User

from ._audit import AuditResult, add_audit
from ._clock import Clock, utc_now
from ._errors import UnknownToken
from ._principals import with_bindings

__all__ = [
    "LAST_USED_GRAIN",
    "TOKEN_PREFIX",
    "NewToken",
    "create_token",
    "list_tokens",
    "resolve_token",
    "revoke_token",
]

TOKEN_PREFIX = "jy_"
_TOKEN_BYTES = 32
_SHOWN_CHARACTERS = len(TOKEN_PREFIX) + 8
LAST_USED_GRAIN = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """The token itself, shown to its owner once, and its stored record."""

    token: str
    record: ApiToken


def create_token(session: Session, user: User, name: str, *, clock: Clock = utc_now) -> NewToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    record = ApiToken(
        token_hash=_hash(token),
        prefix=token[:_SHOWN_CHARACTERS],
        name=name,
        user_id=user.id,
        created=clock(),
    )
    session.add(record)
    add_audit(session, user=user.name, action="token.create", result=AuditResult.OK, target=name, clock=clock)
    session.commit()
    return NewToken(token, record)


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, revoked ones included, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def resolve_token(session: Session, token: str, *, clock: Clock = utc_now) -> User | None:
    """The enabled user owning this unrevoked token, or None; marks the token used."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = session.execute(
        select(ApiToken, User).join(ApiToken.user).where(ApiToken.token_hash == _hash(token))
    ).first()
    if found is None:
        return None
    record, user = found
    if record.revoked is not None or user.disabled:
        return None
    now = clock()
    # Written at most once a minute: a commit on every API call was a fifth of the console's CPU
    # under twenty busy users, and "last used" needs no finer grain.
    if record.last_used is None or now - record.last_used >= LAST_USED_GRAIN:
        record.last_used = now
        session.commit()
    return with_bindings(session, user)


def revoke_token(session: Session, user: User, token_id: int, *, clock: Clock = utc_now) -> None:
    """Revoke one of ``user``'s own tokens; revoking it again changes nothing."""
    record = session.get(ApiToken, token_id)
    if record is None or record.user_id != user.id:
        raise UnknownToken(token_id)
    if record.revoked is None:
        record.revoked = clock()
        add_audit(
            session, user=user.name, action="token.revoke", result=AuditResult.OK, target=record.name, clock=clock
        )
    session.commit()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
