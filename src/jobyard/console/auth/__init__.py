"""Users, sign-in, sessions, API tokens, roles and the one permission check.

Services are plain functions over a SQLAlchemy ``Session``, with no HTTP in
them, so the web UI, the JSON API and the CLI share them. Each function that
changes something is one transaction: it commits before returning, and records
the change (or the refusal) in the audit log in that same transaction. Time
comes from an injected clock. docs/permissions.md documents the roles.
"""

from ._audit import SYSTEM_ACTOR, AuditResult, list_audit, record_audit
from ._clock import Clock, utc_now
from ._errors import (
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
from ._passwords import MIN_PASSWORD_LENGTH
from ._permissions import Action, Binding, Principal, Role, Scope, allowed, capabilities, roles_allowed
from ._principals import principal_of
from ._ratelimit import SignInLimiter
from ._require import require
from ._roles import grant_role, revoke_role
from ._sessions import SESSION_LIFETIME, NewSession, create_session, csrf_matches, end_session, resolve_session
from ._signins import SignIns
from ._tokens import TOKEN_PREFIX, NewToken, create_token, list_tokens, resolve_token, revoke_token
from ._users import (
    ADMIN_NAME,
    ADMIN_PASSWORD_ENV,
    ADMIN_PASSWORD_FILE,
    authenticate,
    change_password,
    create_user,
    disable_user,
    ensure_admin,
    sign_in,
)

__all__ = [
    "ADMIN_NAME",
    "ADMIN_PASSWORD_ENV",
    "ADMIN_PASSWORD_FILE",
    "MIN_PASSWORD_LENGTH",
    "SESSION_LIFETIME",
    "SYSTEM_ACTOR",
    "TOKEN_PREFIX",
    "Action",
    "AuditResult",
    "AuthError",
    "Binding",
    "Clock",
    "InvalidCredentials",
    "InvalidUserName",
    "NewSession",
    "NewToken",
    "PermissionDenied",
    "Principal",
    "Role",
    "Scope",
    "SignInLimiter",
    "SignInLocked",
    "SignIns",
    "UnknownCluster",
    "UnknownToken",
    "UnknownUser",
    "UserExists",
    "WeakPassword",
    "allowed",
    "authenticate",
    "capabilities",
    "change_password",
    "create_session",
    "create_token",
    "create_user",
    "csrf_matches",
    "disable_user",
    "end_session",
    "ensure_admin",
    "grant_role",
    "list_audit",
    "list_tokens",
    "principal_of",
    "record_audit",
    "require",
    "resolve_session",
    "resolve_token",
    "revoke_role",
    "revoke_token",
    "roles_allowed",
    "sign_in",
    "utc_now",
]
