"""Local accounts: the first admin, creating and disabling users, signing in, changing passwords."""

from __future__ import annotations

import stat

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from jobyard.console.auth import (
    ADMIN_PASSWORD_ENV,
    ADMIN_PASSWORD_FILE,
    InvalidCredentials,
    InvalidUserName,
    PermissionDenied,
    SignInLimiter,
    SignInLocked,
    UnknownUser,
    UserExists,
    WeakPassword,
    authenticate,
    change_password,
    create_session,
    create_user,
    disable_user,
    ensure_admin,
    resolve_session,
    sign_in,
)
from jobyard.console.db import AuditEntry, User

from .conftest import PASSWORD, add_user

NEW_PASSWORD = "a much longer new secret"


def audit_rows(db) -> list[tuple[str, str, str | None, str]]:
    return [
        (row.user, row.action, row.target, row.result) for row in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_first_start_creates_admin_with_a_generated_password_in_a_private_file(db, tmp_path, clock):
    password = ensure_admin(db, tmp_path, {}, clock=clock)
    assert password is not None
    password_file = tmp_path / ADMIN_PASSWORD_FILE
    assert password_file.read_text() == password + "\n"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    admin = authenticate(db, "admin", password)
    assert admin is not None and admin.is_admin


def test_later_starts_leave_the_admin_alone(db, tmp_path, clock):
    first = ensure_admin(db, tmp_path, {}, clock=clock)
    assert ensure_admin(db, tmp_path, {}, clock=clock) is None
    assert (tmp_path / ADMIN_PASSWORD_FILE).read_text() == f"{first}\n"


def test_the_environment_chooses_the_admin_password_and_nothing_is_written(db, tmp_path, clock):
    assert ensure_admin(db, tmp_path, {ADMIN_PASSWORD_ENV: "chosen by the operator"}, clock=clock) is None
    assert not (tmp_path / ADMIN_PASSWORD_FILE).exists()
    assert authenticate(db, "admin", "chosen by the operator") is not None


def test_a_weak_admin_password_from_the_environment_is_refused(db, tmp_path, clock):
    with pytest.raises(WeakPassword):
        ensure_admin(db, tmp_path, {ADMIN_PASSWORD_ENV: "short"}, clock=clock)


def test_an_admin_creates_a_user_who_can_sign_in(db, clock):
    admin = add_user(db, "root", is_admin=True)
    create_user(db, admin, "alice", PASSWORD, clock=clock)
    assert authenticate(db, "alice", PASSWORD).name == "alice"
    assert audit_rows(db) == [("root", "user.create", "alice", "ok")]


def test_a_non_admin_cannot_create_users_and_the_refusal_is_audited(db, clock):
    bob = add_user(db, "bob")
    with pytest.raises(PermissionDenied):
        create_user(db, bob, "mallory", PASSWORD, clock=clock)
    assert db.scalar(select(User).where(User.name == "mallory")) is None
    assert audit_rows(db) == [("bob", "user.create", "mallory", "denied")]


@pytest.mark.parametrize("name", ["Alice", "-alice", "alice-", "al ice", "a" * 64, ""])
def test_user_names_are_lowercase_labels(db, clock, name):
    admin = add_user(db, "root", is_admin=True)
    with pytest.raises(InvalidUserName):
        create_user(db, admin, name, PASSWORD, clock=clock)


def test_a_taken_name_is_refused(db, clock):
    admin = add_user(db, "root", is_admin=True)
    with pytest.raises(UserExists):
        create_user(db, admin, "root", PASSWORD, clock=clock)


@pytest.mark.parametrize(
    "password", ["elevenchars", "x" * 1025, "my name is alice!"], ids=["too short", "too long", "contains the name"]
)
def test_weak_passwords_are_refused(db, clock, password):
    admin = add_user(db, "root", is_admin=True)
    with pytest.raises(WeakPassword):
        create_user(db, admin, "alice", password, clock=clock)


def test_passwords_are_stored_as_argon2id_hashes(db):
    user = add_user(db, "alice")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_signing_in_upgrades_a_hash_made_with_weaker_parameters(db):
    alice = add_user(db, "alice")
    alice.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.commit()
    authenticate(db, "alice", PASSWORD)
    db.expire_all()
    assert "m=64," in alice.password_hash
    assert authenticate(db, "alice", PASSWORD) is not None


def test_wrong_passwords_and_unknown_names_do_not_authenticate(db):
    add_user(db, "alice")
    assert authenticate(db, "alice", "not the password") is None
    assert authenticate(db, "nobody", PASSWORD) is None


def test_a_disabled_user_cannot_sign_in_and_loses_their_sessions(db, clock):
    admin = add_user(db, "root", is_admin=True)
    alice = add_user(db, "alice")
    browser = create_session(db, alice, clock=clock)
    disable_user(db, admin, "alice", clock=clock)
    assert authenticate(db, "alice", PASSWORD) is None
    assert resolve_session(db, browser.session_id, clock=clock) is None


def test_disabling_an_unknown_user_says_so(db, clock):
    admin = add_user(db, "root", is_admin=True)
    with pytest.raises(UnknownUser):
        disable_user(db, admin, "nobody", clock=clock)


def test_sign_in_audits_success_and_failure(db, clock):
    add_user(db, "alice")
    limiter = SignInLimiter(clock=clock)
    with pytest.raises(InvalidCredentials):
        sign_in(db, limiter, "alice", "guess", "192.0.2.7", clock=clock)
    assert sign_in(db, limiter, "alice", PASSWORD, "192.0.2.7", clock=clock).name == "alice"
    assert audit_rows(db) == [("alice", "session.create", None, "denied"), ("alice", "session.create", None, "ok")]


def test_five_failures_lock_the_name_from_that_address_even_for_the_right_password(db, clock):
    add_user(db, "alice")
    limiter = SignInLimiter(clock=clock)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            sign_in(db, limiter, "alice", "guess", "192.0.2.7", clock=clock)
    with pytest.raises(SignInLocked):
        sign_in(db, limiter, "alice", PASSWORD, "192.0.2.7", clock=clock)
    assert sign_in(db, limiter, "alice", PASSWORD, "198.51.100.1", clock=clock).name == "alice"


def test_an_attempted_name_longer_than_a_user_name_is_audited_shortened(db, clock):
    with pytest.raises(InvalidCredentials):
        sign_in(db, SignInLimiter(clock=clock), "x" * 500, "guess", "192.0.2.7", clock=clock)
    assert audit_rows(db) == [("x" * 63, "session.create", None, "denied")]


def test_changing_the_password_needs_the_current_one(db, clock):
    alice = add_user(db, "alice")
    with pytest.raises(InvalidCredentials):
        change_password(db, alice, "not the password", NEW_PASSWORD, clock=clock)
    assert authenticate(db, "alice", PASSWORD) is not None
    assert audit_rows(db) == [("alice", "user.password", None, "failed")]


def test_a_changed_password_replaces_the_old_one_and_ends_every_session(db, clock):
    alice = add_user(db, "alice")
    browser = create_session(db, alice, clock=clock)
    clock.advance(minutes=1)
    change_password(db, alice, PASSWORD, NEW_PASSWORD, clock=clock)
    assert authenticate(db, "alice", PASSWORD) is None
    assert authenticate(db, "alice", NEW_PASSWORD) is not None
    assert alice.password_changed == clock.now
    assert resolve_session(db, browser.session_id, clock=clock) is None


def test_a_new_password_must_meet_the_rules(db, clock):
    alice = add_user(db, "alice")
    with pytest.raises(WeakPassword):
        change_password(db, alice, PASSWORD, "short", clock=clock)
