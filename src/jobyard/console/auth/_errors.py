"""Why a sign-in or a change was refused.

AuthError
├── InvalidCredentials   wrong name, password or token; disabled account (not told apart)
├── SignInLocked         too many failed sign-ins from one address for one name
├── WeakPassword         a new password breaks the password rules
├── InvalidUserName      a new user's name breaks the naming rule
├── UserExists           a new user's name is taken
├── UnknownUser          no user has that name
├── UnknownCluster       no joined cluster has that name
├── UnknownToken         the user has no API token with that id
└── PermissionDenied     the acting user's roles do not allow the action
"""

from __future__ import annotations

from datetime import timedelta

from ._permissions import Action

__all__ = [
    "AuthError",
    "InvalidCredentials",
    "InvalidUserName",
    "PermissionDenied",
    "SignInLocked",
    "UnknownCluster",
    "UnknownToken",
    "UnknownUser",
    "UserExists",
    "WeakPassword",
]


class AuthError(Exception):
    """Base of every refusal in ``jobyard.console.auth``."""


class InvalidCredentials(AuthError):
    def __init__(self) -> None:
        super().__init__("invalid user name or password")


class SignInLocked(AuthError):
    def __init__(self, retry_after: timedelta) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed sign-ins; try again in {int(retry_after.total_seconds())} s")


class WeakPassword(AuthError):
    pass


class InvalidUserName(AuthError):
    pass


class UserExists(AuthError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"user {name!r} already exists")


class UnknownUser(AuthError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no user named {name!r}")


class UnknownCluster(AuthError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no cluster named {name!r}")


class UnknownToken(AuthError):
    def __init__(self, token_id: int) -> None:
        self.token_id = token_id
        super().__init__(f"no API token {token_id}")


class PermissionDenied(AuthError):
    def __init__(self, action: Action, cluster: str | None = None, namespace: str | None = None) -> None:
        self.action = action
        self.cluster = cluster
        self.namespace = namespace
        place = "/".join(part for part in (cluster, namespace) if part)
        super().__init__(f"not allowed: {action}" + (f" in {place}" if place else ""))
