"""Run history: a rerun replaces the Job object, so each run is kept in the console's database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from jobyard.console.db import JobRun

__all__ = ["Run", "RunStore", "SqlRunStore"]


@dataclass(frozen=True)
class Run:
    """One run of a Job; ``result`` is ``Completed`` or ``Failed`` once it finished, None while it runs."""

    number: int
    started: datetime
    finished: datetime | None = None
    result: str | None = None
    succeeded: int = 0
    failed: int = 0


class RunStore(Protocol):
    """The runs of the Jobs of one cluster."""

    def runs(self, namespace: str, job_name: str) -> list[Run]:
        """Oldest first."""
        ...

    def save(self, namespace: str, job_name: str, run: Run) -> None:
        """Adds the run, or replaces the one with its number."""
        ...

    def forget(self, namespace: str, job_name: str) -> None:
        """Drops every run of the Job: a new Job of the same name starts a history of its own."""
        ...

    def begin(self, namespace: str, job_name: str, run: Run) -> None:
        """A new Job's history: every earlier run dropped and ``run`` kept, as one change."""
        ...


class SqlRunStore:
    """``RunStore`` over the ``job_runs`` table; each change is committed at once."""

    def __init__(self, session: Session, cluster: str) -> None:
        self._session = session
        self._cluster = cluster

    def runs(self, namespace: str, job_name: str) -> list[Run]:
        rows = self._session.scalars(self._select(namespace, job_name).order_by(JobRun.run_number))
        return [Run(row.run_number, row.started, row.finished, row.result, row.succeeded, row.failed) for row in rows]

    def save(self, namespace: str, job_name: str, run: Run) -> None:
        row = self._session.scalar(self._select(namespace, job_name).where(JobRun.run_number == run.number))
        if row is None:
            row = JobRun(cluster=self._cluster, namespace=namespace, job_name=job_name, run_number=run.number)
            self._session.add(row)
        row.started, row.finished, row.result = run.started, run.finished, run.result
        row.succeeded, row.failed = run.succeeded, run.failed
        self._session.commit()

    def forget(self, namespace: str, job_name: str) -> None:
        self._delete(namespace, job_name)
        self._session.commit()

    def begin(self, namespace: str, job_name: str, run: Run) -> None:
        self._delete(namespace, job_name)
        self._session.add(
            JobRun(
                cluster=self._cluster,
                namespace=namespace,
                job_name=job_name,
                run_number=run.number,
                started=run.started,
                finished=run.finished,
                result=run.result,
                succeeded=run.succeeded,
                failed=run.failed,
            )
        )
        self._session.commit()

    def _delete(self, namespace: str, job_name: str) -> None:
        self._session.execute(
            delete(JobRun).where(
                JobRun.cluster == self._cluster, JobRun.namespace == namespace, JobRun.job_name == job_name
            )
        )

    def _select(self, namespace: str, job_name: str) -> Select[JobRun]:
        return select(JobRun).where(
            JobRun.cluster == self._cluster, JobRun.namespace == namespace, JobRun.job_name == job_name
        )
