"""Local accounts: the first admin, creating and disabling users, signing in, changing passwords."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jobyard.console.db import User, WebSession

from ._audit import SYSTEM_ACTOR, AuditResult, add_audit, record_audit
from ._clock import Clock, utc_now
from ._errors import InvalidCredentials, InvalidUserName, UnknownUser, UserExists
from ._passwords import check_password_rules, generate_password, hash_password, needs_rehash, verify_password
from ._permissions import Action
from ._ratelimit import SignInLimiter
from ._require import require

__all__ = [
    "ADMIN_NAME",
    "ADMIN_PASSWORD_ENV",
    "ADMIN_PASSWORD_FILE",
    "authenticate",
    "change_password",
    "create_user",
    "disable_user",
    "ensure_admin",
    "sign_in",
]

ADMIN_NAME = "admin"
ADMIN_PASSWORD_ENV = "JOBYARD_ADMIN_PASSWORD"
ADMIN_PASSWORD_FILE = "admin-password"

# Lowercase letters, digits, '.', '_' and '-', starting and ending alphanumeric: safe in URLs, logs and RBAC subjects.
_USER_NAME = re.compile(r"[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?")

# Attempted names are recorded in the audit log, whose user column is this wide.
_AUDIT_NAME_LENGTH = 63


def ensure_admin(
    session: Session, data_dir: Path, env: Mapping[str, str] = os.environ, *, clock: Clock = utc_now
) -> str | None:
    """On first start (no users yet) create ``admin``; return its password if jobyard generated it.

    ``JOBYARD_ADMIN_PASSWORD`` in ``env`` sets the password instead; then
    nothing is returned or written. A generated password is written to
    ``DATA/admin-password`` (0600) before the user is committed, so an admin
    never exists whose password was lost; the caller prints it once.
    """
    if session.scalar(select(exists().select_from(User))):
        return None
    chosen = env.get(ADMIN_PASSWORD_ENV)
    password = chosen or generate_password()
    check_password_rules(ADMIN_NAME, password)
    password_file = data_dir / ADMIN_PASSWORD_FILE
    if not chosen:
        _write_private(password_file, password + "\n")
    now = clock()
    session.add(
        User(
            name=ADMIN_NAME,
            password_hash=hash_password(password),
            is_admin=True,
            created=now,
            disabled=False,
            password_changed=now,
        )
    )
    add_audit(session, user=SYSTEM_ACTOR, action="user.create", result=AuditResult.OK, target=ADMIN_NAME, clock=clock)
    try:
        session.commit()
    except IntegrityError:
        # Another console sharing this PostgreSQL database created the admin first; its password stands.
        session.rollback()
        if not chosen:
            password_file.unlink(missing_ok=True)
        return None
    return None if chosen else password


def create_user(
    session: Session, actor: User, name: str, password: str, *, is_admin: bool = False, clock: Clock = utc_now
) -> User:
    require(session, actor, Action.USER_CREATE, target=name, clock=clock)
    if not _USER_NAME.fullmatch(name):
        raise InvalidUserName(
            f"user name {name!r}: 1-63 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit"
        )
    if session.scalar(select(exists().where(User.name == name))):
        raise UserExists(name)
    check_password_rules(name, password)
    now = clock()
    user = User(
        name=name,
        password_hash=hash_password(password),
        is_admin=is_admin,
        created=now,
        disabled=False,
        password_changed=now,
    )
    session.add(user)
    detail = "admin" if is_admin else None
    add_audit(
        session, user=actor.name, action="user.create", result=AuditResult.OK, target=name, detail=detail, clock=clock
    )
    session.commit()
    return user


def disable_user(session: Session, actor: User, name: str, *, clock: Clock = utc_now) -> None:
    """Disable ``name`` and end their sessions; their API tokens stop resolving."""
    require(session, actor, Action.USER_DISABLE, target=name, clock=clock)
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UnknownUser(name)
    user.disabled = True
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    add_audit(session, user=actor.name, action="user.disable", result=AuditResult.OK, target=name, clock=clock)
    session.commit()


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None; a stale hash is upgraded on the way."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        # Hashing costs what a verification costs, so response times do not reveal which names exist.
        hash_password(password)
        return None
    if not verify_password(user.password_hash, password) or user.disabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def sign_in(
    session: Session,
    limiter: SignInLimiter,
    name: str,
    password: str,
    address: str,
    *,
    clock: Clock = utc_now,
) -> User:
    """Authenticate through the rate limiter, auditing the outcome.

    Raises :class:`SignInLocked` while (name, address) is locked out, and
    :class:`InvalidCredentials` for a wrong name or password or a disabled user.
    """
    limiter.check(name, address)
    user = authenticate(session, name, password)
    if user is None:
        limiter.record_failure(name, address)
        record_audit(
            session,
            user=name[:_AUDIT_NAME_LENGTH],
            action="session.create",
            result=AuditResult.DENIED,
            detail=f"from {address}",
            clock=clock,
        )
        raise InvalidCredentials()
    limiter.record_success(name, address)
    record_audit(
        session, user=name, action="session.create", result=AuditResult.OK, detail=f"from {address}", clock=clock
    )
    return user


def change_password(session: Session, user: User, current: str, new: str, *, clock: Clock = utc_now) -> None:
    """Replace ``user``'s password and end all their sessions, so a stolen cookie dies with the old password.

    API tokens stay valid: they are separate credentials, revoked one by one.
    """
    if not verify_password(user.password_hash, current):
        record_audit(session, user=user.name, action="user.password", result=AuditResult.FAILED, clock=clock)
        raise InvalidCredentials()
    check_password_rules(user.name, new)
    user.password_hash = hash_password(new)
    user.password_changed = clock()
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    add_audit(session, user=user.name, action="user.password", result=AuditResult.OK, target=user.name, clock=clock)
    session.commit()


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600 from the first byte, replacing any old file atomically."""
    staging = path.with_name(f".{path.name}.new")
    staging.unlink(missing_ok=True)
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(staging, path)
