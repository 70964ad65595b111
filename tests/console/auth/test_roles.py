"""Granting and revoking roles through the database: the grant rights of docs/permissions.md, audited."""

import pytest
from sqlalchemy import select

from jobyard.console.auth import (
    Action,
    Binding,
    PermissionDenied,
    Role,
    UnknownCluster,
    UnknownUser,
    allowed,
    grant_role,
    principal_of,
    revoke_role,
)
from jobyard.console.db import AuditEntry

from .conftest import add_cluster, add_user

TEAM_A_EDITOR = Binding(Role.NS_EDITOR, "prod", "team-a")


@pytest.fixture
def people(db):
    add_cluster(db, "prod")
    add_cluster(db, "staging")
    return {
        "admin": add_user(db, "root", is_admin=True),
        "lead": add_user(db, "lead"),
        "dev": add_user(db, "dev"),
    }


def test_a_granted_role_takes_effect(db, people, clock):
    grant_role(db, people["admin"], "dev", TEAM_A_EDITOR, clock=clock)
    assert allowed(principal_of(people["dev"]), Action.JOB_CREATE, "prod", "team-a")
    assert not allowed(principal_of(people["dev"]), Action.JOB_CREATE, "prod", "team-b")


def test_an_ns_admin_grants_editors_in_their_namespace(db, people, clock):
    grant_role(db, people["admin"], "lead", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)
    grant_role(db, people["lead"], "dev", TEAM_A_EDITOR, clock=clock)
    assert allowed(principal_of(people["dev"]), Action.JOB_DELETE, "prod", "team-a")


def test_an_ns_admin_cannot_grant_outside_their_namespace_and_is_audited(db, people, clock):
    grant_role(db, people["admin"], "lead", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)
    with pytest.raises(PermissionDenied):
        grant_role(db, people["lead"], "dev", Binding(Role.NS_EDITOR, "prod", "team-b"), clock=clock)
    assert people["dev"].bindings == []
    last = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (last.user, last.action, last.namespace, last.target, last.result) == (
        "lead",
        "grant.ns_editor",
        "team-b",
        "dev",
        "denied",
    )


def test_an_ns_admin_cannot_make_another_ns_admin(db, people, clock):
    grant_role(db, people["admin"], "lead", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)
    with pytest.raises(PermissionDenied):
        grant_role(db, people["lead"], "dev", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)


def test_a_cluster_admin_grants_cluster_admin_on_their_cluster_only(db, people, clock):
    grant_role(db, people["admin"], "lead", Binding(Role.CLUSTER_ADMIN, "prod"), clock=clock)
    grant_role(db, people["lead"], "dev", Binding(Role.CLUSTER_ADMIN, "prod"), clock=clock)
    with pytest.raises(PermissionDenied):
        grant_role(db, people["lead"], "dev", Binding(Role.CLUSTER_ADMIN, "staging"), clock=clock)


def test_a_new_role_at_the_same_place_replaces_the_old_one(db, people, clock):
    grant_role(db, people["admin"], "dev", TEAM_A_EDITOR, clock=clock)
    grant_role(db, people["admin"], "dev", Binding(Role.NS_VIEWER, "prod", "team-a"), clock=clock)
    assert principal_of(people["dev"]).bindings == {Binding(Role.NS_VIEWER, "prod", "team-a")}


def test_replacing_a_role_needs_the_right_to_revoke_it(db, people, clock):
    grant_role(db, people["admin"], "lead", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)
    grant_role(db, people["admin"], "dev", Binding(Role.NS_ADMIN, "prod", "team-a"), clock=clock)
    with pytest.raises(PermissionDenied):
        grant_role(db, people["lead"], "dev", Binding(Role.NS_VIEWER, "prod", "team-a"), clock=clock)
    assert principal_of(people["dev"]).bindings == {Binding(Role.NS_ADMIN, "prod", "team-a")}


def test_revoking_takes_the_role_away_and_is_audited(db, people, clock):
    grant_role(db, people["admin"], "dev", TEAM_A_EDITOR, clock=clock)
    revoke_role(db, people["admin"], "dev", TEAM_A_EDITOR, clock=clock)
    assert principal_of(people["dev"]).bindings == frozenset()
    actions = [(row.action, row.detail) for row in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("role.grant", "ns-editor"), ("role.revoke", "ns-editor")]


def test_revoking_a_role_not_held_changes_nothing(db, people, clock):
    grant_role(db, people["admin"], "dev", Binding(Role.NS_VIEWER, "prod", "team-a"), clock=clock)
    revoke_role(db, people["admin"], "dev", TEAM_A_EDITOR, clock=clock)
    assert principal_of(people["dev"]).bindings == {Binding(Role.NS_VIEWER, "prod", "team-a")}


def test_granting_on_an_unknown_cluster_or_to_an_unknown_user_says_so(db, people, clock):
    with pytest.raises(UnknownCluster):
        grant_role(db, people["admin"], "dev", Binding(Role.NS_EDITOR, "nowhere", "team-a"), clock=clock)
    with pytest.raises(UnknownUser):
        grant_role(db, people["admin"], "nobody", TEAM_A_EDITOR, clock=clock)
