"""The permission check for services that change something: a refusal is itself audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jobyard.console.db import User

from ._audit import AuditResult, record_audit
from ._clock import Clock
from ._errors import PermissionDenied
from ._permissions import Action, allowed
from ._principals import principal_of

__all__ = ["require"]


def require(
    session: Session,
    actor: User,
    action: Action,
    *,
    cluster: str | None = None,
    namespace: str | None = None,
    target: str | None = None,
    clock: Clock,
) -> None:
    """Return if ``actor`` may take ``action``; otherwise record the refusal and raise :class:`PermissionDenied`."""
    if allowed(principal_of(actor), action, cluster, namespace):
        return
    record_audit(
        session,
        user=actor.name,
        action=action,
        result=AuditResult.DENIED,
        cluster=cluster,
        namespace=namespace,
        target=target,
        clock=clock,
    )
    raise PermissionDenied(action, cluster, namespace)
