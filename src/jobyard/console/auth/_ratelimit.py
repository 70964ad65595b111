"""Sign-in rate limiting: too many failures for one name from one address lock that pair out.

Kept in memory: a restart forgets failures, and several console processes
sharing a PostgreSQL database each count their own. Keying on name *and*
address means an attacker cannot lock a user out from elsewhere.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ._clock import Clock, utc_now
from ._errors import SignInLocked

__all__ = ["SignInLimiter"]


@dataclass
class _Attempts:
    failures: deque[datetime] = field(default_factory=deque)
    locked_until: datetime | None = None


class SignInLimiter:
    """``max_failures`` within ``window`` lock the (name, address) pair for ``lockout``."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=5),
        lockout: timedelta = timedelta(minutes=15),
        clock: Clock = utc_now,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._attempts: dict[tuple[str, str], _Attempts] = {}
        self._lock = threading.Lock()

    def check(self, name: str, address: str) -> None:
        """Raise :class:`SignInLocked` while the pair is locked out."""
        now = self._clock()
        with self._lock:
            attempts = self._attempts.get((name, address))
            if attempts and attempts.locked_until and attempts.locked_until > now:
                raise SignInLocked(attempts.locked_until - now)

    def record_failure(self, name: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._forget_stale(now)
            attempts = self._attempts.setdefault((name, address), _Attempts())
            attempts.failures.append(now)
            if len(attempts.failures) >= self.max_failures:
                attempts.locked_until = now + self.lockout
                attempts.failures.clear()

    def record_success(self, name: str, address: str) -> None:
        with self._lock:
            self._attempts.pop((name, address), None)

    def _forget_stale(self, now: datetime) -> None:
        # Pruning on every failure keeps memory bounded by recent attackers, not by all time.
        for key, attempts in list(self._attempts.items()):
            while attempts.failures and attempts.failures[0] <= now - self.window:
                attempts.failures.popleft()
            if not attempts.failures and (attempts.locked_until is None or attempts.locked_until <= now):
                del self._attempts[key]
