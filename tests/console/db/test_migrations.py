"""Migrations that change a schema with rows in it keep the rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, insert, inspect, select

from jobyard.console.db import Cluster, JobRun, migrate
from jobyard.console.db._migrate import MIGRATIONS

START = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


def _upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_job_runs_recorded_before_0002_keep_their_data_and_get_no_uid(engine: Engine) -> None:
    _upgrade(engine, "0001")
    assert "job_uid" not in {column["name"] for column in inspect(engine).get_columns("job_runs")}
    with engine.begin() as connection:
        connection.execute(insert(Cluster.__table__).values(name="c1", kubeconfig=b"", status="Running", created=START))
        connection.execute(
            insert(JobRun.__table__).values(
                cluster="c1",
                namespace="default",
                job_name="job-01",
                run_number=1,
                started=START,
                finished=START,
                result="Failed",
                succeeded=0,
                failed=3,
            )
        )
    migrate(engine)
    with engine.connect() as connection:
        row = connection.execute(select(JobRun.__table__)).one()
    assert (row.job_name, row.run_number, row.result, row.failed) == ("job-01", 1, "Failed", 3)
    assert (row.job_uid, row.reason, row.recreate) == (None, None, None)
