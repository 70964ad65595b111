"""The audit log: recorded changes, filtered and paged newest first, for admins only."""

import pytest

from jobyard.console.auth import AuditResult, PermissionDenied, list_audit, record_audit

from .conftest import add_user


def record(db, clock, user, action, cluster=None, namespace=None):
    clock.advance(seconds=1)
    record_audit(db, user=user, action=action, result=AuditResult.OK, cluster=cluster, namespace=namespace, clock=clock)


def test_entries_keep_who_what_where_when_and_result(db, clock):
    admin = add_user(db, "root", is_admin=True)
    record_audit(
        db,
        user="dev",
        action="job.create",
        result=AuditResult.FAILED,
        cluster="prod",
        namespace="team-a",
        target="nightly-backup",
        detail="AlreadyExists",
        clock=clock,
    )
    [entry] = list_audit(db, admin)
    assert (entry.at, entry.user, entry.action, entry.cluster, entry.namespace, entry.target, entry.result) == (
        clock.now,
        "dev",
        "job.create",
        "prod",
        "team-a",
        "nightly-backup",
        "failed",
    )
    assert entry.detail == "AlreadyExists"


def test_entries_come_newest_first_and_filter_by_user_and_place(db, clock):
    admin = add_user(db, "root", is_admin=True)
    record(db, clock, "dev", "job.create", "prod", "team-a")
    record(db, clock, "ops", "job.delete", "prod", "team-b")
    record(db, clock, "dev", "job.rerun", "staging", "team-a")
    assert [entry.action for entry in list_audit(db, admin)] == ["job.rerun", "job.delete", "job.create"]
    assert [entry.action for entry in list_audit(db, admin, user="dev")] == ["job.rerun", "job.create"]
    assert [entry.action for entry in list_audit(db, admin, cluster="prod", namespace="team-b")] == ["job.delete"]


def test_pages_continue_before_the_last_entry_seen(db, clock):
    admin = add_user(db, "root", is_admin=True)
    for number in range(5):
        record(db, clock, "dev", f"job.create.{number}")
    first = list_audit(db, admin, limit=2)
    second = list_audit(db, admin, limit=2, before_id=first[-1].id)
    assert [entry.action for entry in first + second] == [f"job.create.{number}" for number in (4, 3, 2, 1)]


def test_only_admins_view_the_log(db, clock):
    with pytest.raises(PermissionDenied):
        list_audit(db, add_user(db, "dev"))
