"""A stored user as the permission check sees them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from jobyard.console.db import RoleBinding, User

from ._permissions import Binding, Principal, Role

__all__ = ["principal_of", "with_bindings"]


def principal_of(user: User) -> Principal:
    return Principal.of(
        user.is_admin,
        (Binding(Role(row.role), row.cluster, row.namespace) for row in user.bindings),
    )


def with_bindings(session: Session, user: User) -> User:
    """``user`` with their role bindings loaded, as every request needs them for its permission check.

    One plain query: an eager-loading option on the sign-in query (``selectinload``) cost about
    1.3 ms more per request, a tenth of the console's CPU for an API create.
    """
    bindings = session.scalars(select(RoleBinding).where(RoleBinding.user_id == user.id)).all()
    set_committed_value(user, "bindings", list(bindings))
    return user
