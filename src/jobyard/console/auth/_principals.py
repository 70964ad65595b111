"""A stored user as the permission check sees them."""

from __future__ import annotations

from jobyard.console.db import User

from ._permissions import Binding, Principal, Role

__all__ = ["principal_of"]


def principal_of(user: User) -> Principal:
    return Principal.of(
        user.is_admin,
        (Binding(Role(row.role), row.cluster, row.namespace) for row in user.bindings),
    )
