"""Builders for auth tests: a movable clock, cheap argon2 parameters, users and clusters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from jobyard.console.auth import _passwords
from jobyard.console.db import Cluster, User

START = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with parameters small enough for hundreds of hashes per test run."""
    monkeypatch.setattr(_passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def add_user(db: Session, name: str, *, is_admin: bool = False, password: str = PASSWORD) -> User:
    user = User(
        name=name,
        password_hash=_passwords.hash_password(password),
        is_admin=is_admin,
        created=START,
        disabled=False,
        password_changed=START,
    )
    db.add(user)
    db.commit()
    return user


def add_cluster(db: Session, name: str) -> Cluster:
    cluster = Cluster(name=name, kubeconfig=b"sealed", status="Running", created=START)
    db.add(cluster)
    db.commit()
    return cluster
