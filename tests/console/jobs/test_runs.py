"""SqlRunStore on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from jobyard.console.db import Cluster
from jobyard.console.jobs import Run, SqlRunStore

START = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db: Session) -> SqlRunStore:
    for name in ("c1", "c2"):
        db.add(Cluster(name=name, kubeconfig=b"", status="Running", created=START))
    db.commit()
    return SqlRunStore(db, "c1")


def test_runs_come_back_oldest_first(store: SqlRunStore) -> None:
    second = Run(2, START + timedelta(hours=1))
    first = Run(1, START, START + timedelta(minutes=5), "Failed", succeeded=0, failed=7)
    store.save("default", "job-01", second)
    store.save("default", "job-01", first)
    assert store.runs("default", "job-01") == [first, second]


def test_saving_a_run_again_replaces_it(store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START))
    finished = Run(1, START, START + timedelta(minutes=1), "Completed", succeeded=2)
    store.save("default", "job-01", finished)
    assert store.runs("default", "job-01") == [finished]


def test_runs_are_kept_per_cluster_namespace_and_job(db: Session, store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START))
    SqlRunStore(db, "c2").save("default", "job-01", Run(1, START))
    store.save("other", "job-01", Run(1, START))
    store.save("default", "job-02", Run(1, START))
    store.forget("default", "job-01")
    assert store.runs("default", "job-01") == []
    assert len(SqlRunStore(db, "c2").runs("default", "job-01")) == 1
    assert len(store.runs("other", "job-01")) == len(store.runs("default", "job-02")) == 1


def test_beginning_a_history_drops_the_earlier_runs_of_that_name(store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START))
    store.save("default", "job-01", Run(2, START))
    store.begin("default", "job-01", Run(1, START, result=None))
    assert [run.number for run in store.runs("default", "job-01")] == [1]
