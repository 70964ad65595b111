"""The audit log: who changed what, where, when, and whether it worked."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jobyard.console.db import AuditEntry, User

from ._clock import Clock, utc_now
from ._errors import PermissionDenied
from ._permissions import Action, allowed
from ._principals import principal_of

__all__ = ["SYSTEM_ACTOR", "AuditResult", "add_audit", "list_audit", "record_audit"]

# The name recorded for changes jobyard makes itself, such as creating the first admin.
SYSTEM_ACTOR = "jobyard"


class AuditResult(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


def add_audit(
    session: Session,
    *,
    user: str,
    action: str,
    result: AuditResult,
    cluster: str | None = None,
    namespace: str | None = None,
    target: str | None = None,
    detail: str | None = None,
    clock: Clock = utc_now,
) -> None:
    """Add an entry to the session's transaction, to be committed with the change it records."""
    session.add(AuditEntry(**_entry(user, action, result, cluster, namespace, target, detail, clock)))


def record_audit(
    session: Session,
    *,
    user: str,
    action: str,
    result: AuditResult,
    cluster: str | None = None,
    namespace: str | None = None,
    target: str | None = None,
    detail: str | None = None,
    clock: Clock = utc_now,
) -> None:
    """Record and commit an entry: for changes made outside the database, such as a Job created on a cluster.

    A plain insert, not the unit of work: one is written for every change made through the console.
    """
    session.execute(insert(AuditEntry), [_entry(user, action, result, cluster, namespace, target, detail, clock)])
    session.commit()


def _entry(
    user: str,
    action: str,
    result: AuditResult,
    cluster: str | None,
    namespace: str | None,
    target: str | None,
    detail: str | None,
    clock: Clock,
) -> dict[str, Any]:
    return {
        "at": clock(),
        "user": user,
        "action": action,
        "result": result.value,
        "cluster": cluster,
        "namespace": namespace,
        "target": target,
        "detail": detail,
    }


def list_audit(
    session: Session,
    viewer: User,
    *,
    user: str | None = None,
    cluster: str | None = None,
    namespace: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries newest first, filtered; page back by passing the last entry's id as ``before_id``."""
    if not allowed(principal_of(viewer), Action.AUDIT_VIEW):
        raise PermissionDenied(Action.AUDIT_VIEW)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if user is not None:
        query = query.where(AuditEntry.user == user)
    if cluster is not None:
        query = query.where(AuditEntry.cluster == cluster)
    if namespace is not None:
        query = query.where(AuditEntry.namespace == namespace)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))
