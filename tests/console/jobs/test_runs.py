"""SqlRunStore on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from jobyard.console.db import Cluster
from jobyard.console.jobs import Run, RunConflict, SqlRunStore, observed

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


def test_beginning_a_history_drops_the_earlier_runs_of_that_name(db: Session, store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START, START, "Failed", uid="old-1"))
    store.save("default", "job-01", Run(2, START, uid="old-2"))
    store.runs("default", "job-01")  # the old runs are in the session now
    fresh = Run(1, START + timedelta(hours=1), uid="new")
    store.begin("default", "job-01", fresh)
    assert store.runs("default", "job-01") == [fresh]
    db.commit()  # begin leaves the commit to its caller
    assert SqlRunStore(db, "c1").runs("default", "job-01") == [fresh]


def test_a_history_begun_but_not_committed_is_not_kept(db: Session, store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START, uid="old-1"))
    store.begin("default", "job-01", Run(1, START + timedelta(hours=1), uid="new"))
    db.rollback()
    assert [run.uid for run in store.runs("default", "job-01")] == ["old-1"]


def test_uid_reason_and_a_reruns_manifest_are_kept(store: SqlRunStore) -> None:
    failed = Run(1, START, START, "Failed", failed=1, uid="u1", reason="BackoffLimitExceeded")
    pending = Run(2, START, recreate={"kind": "Job", "metadata": {"name": "job-01"}})
    store.save("default", "job-01", failed)
    store.save("default", "job-01", pending)
    assert store.runs("default", "job-01") == [failed, pending]


def test_a_second_run_of_one_uid_is_refused(store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START, uid="u1"))
    with pytest.raises(RunConflict):
        store.save("default", "job-01", Run(2, START, uid="u1"))
    store.save("default", "job-01", Run(2, START, uid="u2"))  # the session is usable after the refusal
    assert [run.uid for run in store.runs("default", "job-01")] == ["u1", "u2"]


def test_a_run_another_session_recorded_for_the_uid_is_not_recorded_again(db: Session, store: SqlRunStore) -> None:
    with Session(db.get_bind()) as other_session:
        SqlRunStore(other_session, "c1").save("default", "job-01", Run(1, START, uid="u1"))
    with pytest.raises(RunConflict):
        store.save("default", "job-01", Run(2, START, uid="u1"))
    assert [run.number for run in store.runs("default", "job-01")] == [1]


def test_discarding_drops_one_run(store: SqlRunStore) -> None:
    store.save("default", "job-01", Run(1, START, uid="u1"))
    store.save("default", "job-01", Run(2, START, recreate={}))
    store.discard("default", "job-01", 2)
    assert [run.number for run in store.runs("default", "job-01")] == [1]


# observed(): which run a Job read belongs to.

EARLIER = START - timedelta(hours=1)
DONE = Run(1, EARLIER, START, "Completed", succeeded=1, uid="old")
SEEN_NEW_RUNNING = Run(0, START + timedelta(minutes=1), uid="new")


@pytest.mark.parametrize(
    ("runs", "seen", "created", "expected"),
    [
        pytest.param([], SEEN_NEW_RUNNING, START, replace(SEEN_NEW_RUNNING, number=1), id="a first read is run 1"),
        pytest.param(
            [DONE, Run(2, START, uid="new")],
            replace(DONE, number=0, started=EARLIER),
            EARLIER,
            None,
            id="a read of the old Job after a rerun changes nothing",
        ),
        pytest.param(
            [DONE, Run(2, START, uid="new")],
            replace(DONE, number=0, uid="new", finished=None, result=None, succeeded=0),
            START,
            None,
            id="a read of a Job saying what its run says changes nothing",
        ),
        pytest.param(
            [DONE, Run(2, START, uid="new")],
            Run(
                0, START + timedelta(minutes=2), START + timedelta(minutes=3), "Failed", failed=1, uid="new", reason="R"
            ),
            START,
            Run(2, START, START + timedelta(minutes=3), "Failed", failed=1, uid="new", reason="R"),
            id="a Job's state goes into the run of its uid, which keeps its number and start",
        ),
        pytest.param(
            [DONE, Run(2, START, recreate={"kind": "Job"})],
            SEEN_NEW_RUNNING,
            START,
            Run(2, START, uid="new"),
            id="a rerun's pending run is claimed by the first unknown Job, and its manifest dropped",
        ),
        pytest.param(
            [Run(1, EARLIER)],
            SEEN_NEW_RUNNING,
            START,
            Run(1, EARLIER, uid="new"),
            id="an unfinished run recorded before uids is claimed",
        ),
        pytest.param(
            [Run(1, EARLIER, START, "Completed")],
            Run(0, EARLIER, START, "Completed", uid="old"),
            EARLIER,
            Run(1, EARLIER, START, "Completed", uid="old"),
            id="a finished run recorded before uids is claimed by a Job that existed before it finished",
        ),
        pytest.param(
            [Run(1, EARLIER, START, "Completed")],
            SEEN_NEW_RUNNING,
            START + timedelta(minutes=1),
            replace(SEEN_NEW_RUNNING, number=2),
            id="a Job created after a finished run recorded before uids is a new run",
        ),
        pytest.param(
            [DONE],
            SEEN_NEW_RUNNING,
            START + timedelta(minutes=1),
            replace(SEEN_NEW_RUNNING, number=2),
            id="an unknown uid after runs of known uids is a new run",
        ),
    ],
)
def test_observed(runs: list[Run], seen: Run, created: datetime, expected: Run | None) -> None:
    assert observed(runs, seen, created) == expected
