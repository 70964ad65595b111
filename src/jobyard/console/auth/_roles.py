"""Granting and revoking roles: each needs the grant right for the role at that place, and is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobyard.console.db import Cluster, RoleBinding, User

from ._audit import AuditResult, add_audit
from ._clock import Clock, utc_now
from ._errors import UnknownCluster, UnknownUser
from ._permissions import Action, Binding, Role
from ._require import require

__all__ = ["GRANT_ACTIONS", "grant_role", "revoke_role"]

GRANT_ACTIONS = {
    Role.CLUSTER_ADMIN: Action.GRANT_CLUSTER_ADMIN,
    Role.NS_ADMIN: Action.GRANT_NS_ADMIN,
    Role.NS_EDITOR: Action.GRANT_NS_EDITOR,
    Role.NS_VIEWER: Action.GRANT_NS_VIEWER,
}


def grant_role(session: Session, actor: User, user_name: str, binding: Binding, *, clock: Clock = utc_now) -> None:
    """Give ``user_name`` the role of ``binding``, replacing the role they held at that place.

    A user holds one role per cluster or namespace, as in DCE's grant form;
    replacing a role needs the right to revoke it as well.
    """
    user = _user_named(session, user_name)
    held = _binding_at(user, binding.cluster, binding.namespace)
    needed = [binding.role] + ([Role(held.role)] if held is not None else [])
    for role in needed:
        _require_grant(session, actor, role, binding, user_name, clock)
    if session.scalar(select(Cluster.id).where(Cluster.name == binding.cluster)) is None:
        raise UnknownCluster(binding.cluster)
    if held is not None:
        user.bindings.remove(held)
    user.bindings.append(RoleBinding(role=binding.role.value, cluster=binding.cluster, namespace=binding.namespace))
    _audit_ok(session, actor, "role.grant", binding, user_name, clock)
    session.commit()


def revoke_role(session: Session, actor: User, user_name: str, binding: Binding, *, clock: Clock = utc_now) -> None:
    """Take the role of ``binding`` from ``user_name``; revoking a role they do not hold changes nothing."""
    user = _user_named(session, user_name)
    _require_grant(session, actor, binding.role, binding, user_name, clock)
    held = _binding_at(user, binding.cluster, binding.namespace)
    if held is not None and held.role == binding.role:
        user.bindings.remove(held)
    _audit_ok(session, actor, "role.revoke", binding, user_name, clock)
    session.commit()


def _user_named(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UnknownUser(name)
    return user


def _binding_at(user: User, cluster: str, namespace: str | None) -> RoleBinding | None:
    return next((row for row in user.bindings if row.cluster == cluster and row.namespace == namespace), None)


def _require_grant(session: Session, actor: User, role: Role, binding: Binding, user_name: str, clock: Clock) -> None:
    require(
        session,
        actor,
        GRANT_ACTIONS[role],
        cluster=binding.cluster,
        namespace=binding.namespace,
        target=user_name,
        clock=clock,
    )


def _audit_ok(session: Session, actor: User, action: str, binding: Binding, user_name: str, clock: Clock) -> None:
    add_audit(
        session,
        user=actor.name,
        action=action,
        result=AuditResult.OK,
        cluster=binding.cluster,
        namespace=binding.namespace,
        target=user_name,
        detail=binding.role.value,
        clock=clock,
    )
