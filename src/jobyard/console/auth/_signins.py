"""Recent sign-ins remembered, so most requests learn who is calling without a query.

Resolving an API token or a session id loads the user and their role bindings: two queries and
about a millisecond, a tenth of the console's CPU for an API create. ``SignIns`` keeps each
answer for ``ttl`` seconds and gives each request its own copy, merged into the request's
database session without a query.

Any commit in this process that writes users, role bindings, tokens, sessions or clusters
forgets every answer at once, so a revoked token, a disabled user or a changed grant counts from
the next request. A console process sharing the database with another sees the other's changes
within ``ttl``: the same bound Kubernetes puts on its token webhook's cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from jobyard.console.db import ApiToken, Cluster, RoleBinding, User, WebSession

from ._clock import Clock, utc_now
from ._sessions import resolve_session
from ._tokens import resolve_token

__all__ = ["SignIns"]

# What a sign-in's answer is read from; a cluster's removal deletes its role bindings.
_SOURCES = frozenset({ApiToken, Cluster, RoleBinding, User, WebSession})
# Columns whose changes leave every answer as it was: a token's "last used" stamp, written once a
# minute per token, and a cluster's health, written every 30 s.
_NOT_IN_ANSWERS: dict[type, frozenset[str]] = {
    ApiToken: frozenset({"last_used"}),
    Cluster: frozenset({"status", "version", "node_count", "last_check"}),
}
_CHANGED = "jobyard.sign_ins_changed"
_MAX_ANSWERS = 4096

Found = TypeVar("Found", User, WebSession)


class SignIns:
    """Who API tokens and session ids belong to, each answer kept ``ttl`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock = utc_now,
        ttl: float = 5.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._ttl = ttl
        self._timer = timer
        # Detached objects that belong to no request: requests get merged copies of them.
        self._answers: dict[tuple[str, str], tuple[User | WebSession, float]] = {}
        event.listen(sessions, "after_flush", self._note_flush)
        event.listen(sessions, "do_orm_execute", self._note_statement)
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    def user_of_token(self, session: Session, token: str) -> User | None:
        """The enabled user owning this unrevoked API token, in ``session``; None for any other token."""
        return self._answer(session, _key("token", token), lambda own: resolve_token(own, token, clock=self._clock))

    def web_session(self, session: Session, session_id: str) -> WebSession | None:
        """The live session with this id and its user, in ``session``; None if unknown, expired or disabled."""
        key = _key("session", session_id)
        remembered = self._answers.get(key)
        if remembered is not None and isinstance(remembered[0], WebSession) and remembered[0].expires <= self._clock():
            del self._answers[key]  # resolving it again deletes the expired session
        return self._answer(session, key, lambda own: resolve_session(own, session_id, clock=self._clock))

    def _answer(
        self, session: Session, key: tuple[str, str], resolve: Callable[[Session], Found | None]
    ) -> Found | None:
        now = self._timer()
        remembered = self._answers.get(key)
        if remembered is None or remembered[1] <= now:
            with self._sessions() as own:
                found = resolve(own)
            # Unknown credentials are not remembered: guessing must not fill the memory.
            if found is None:
                self._answers.pop(key, None)
                return None
            self._remember(key, found, now)
            remembered = (found, now + self._ttl)
        copy: Found = session.merge(remembered[0], load=False)  # type: ignore[assignment]
        return copy

    def _remember(self, key: tuple[str, str], found: User | WebSession, now: float) -> None:
        if len(self._answers) >= _MAX_ANSWERS:
            self._answers = {k: answer for k, answer in self._answers.items() if answer[1] > now}
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
        self._answers[key] = (found, now + self._ttl)

    # What a commit changed, from SQLAlchemy's session events.

    def _note_flush(self, session: Session, _context: Any) -> None:
        added_or_deleted = (*session.new, *session.deleted)
        if any(type(obj) in _SOURCES for obj in added_or_deleted) or any(map(_changes_answers, session.dirty)):
            session.info[_CHANGED] = True

    def _note_statement(self, state: ORMExecuteState) -> None:
        if not state.is_select and any(mapper.class_ in _SOURCES for mapper in state.all_mappers):
            state.session.info[_CHANGED] = True

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            self._answers.clear()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_CHANGED, None)


def _key(kind: str, credential: str) -> tuple[str, str]:
    # Kept by hash, as the database keeps them: the cache holds no usable credential.
    return kind, hashlib.sha256(credential.encode()).hexdigest()


def _changes_answers(obj: object) -> bool:
    if type(obj) not in _SOURCES:
        return False
    changed = {attribute.key for attribute in inspect(obj).attrs if attribute.history.has_changes()}
    return bool(changed - _NOT_IN_ANSWERS.get(type(obj), frozenset()))
