"""Completions, duration, age and kubectl-style spans for the Job list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobyard.console.jobs import age, completions, duration, human_duration

from .builders import condition, job, started, with_conditions

NOW = datetime(2027, 1, 1, 9, 10, 0, tzinfo=UTC)


def test_completions_read_succeeded_of_wanted() -> None:
    assert str(completions(started(job(completions=4), succeeded=3))) == "3/4"


def test_a_job_that_has_not_run_shows_zero() -> None:
    assert str(completions(job())) == "0/1"


def test_a_work_queue_job_reads_like_kubectl() -> None:
    spec = job(parallelism=3)
    del spec["spec"]["completions"]
    assert str(completions(started(spec, succeeded=1))) == "1/1 of 3"


def test_an_indexed_job_counts_completed_indexes() -> None:
    indexed = started(job(completionMode="Indexed", completions=5), succeeded=2, completedIndexes="0,3")
    assert (completions(indexed).succeeded, completions(indexed).wanted) == (2, 5)


def test_duration_is_none_before_the_job_starts() -> None:
    assert duration(job(), NOW) is None


def test_a_running_job_lasts_until_now() -> None:
    assert duration(started(job()), NOW) == timedelta(minutes=9, seconds=55)


def test_a_completed_job_lasts_until_its_completion_time() -> None:
    done = with_conditions(started(job(), completionTime="2027-01-01T09:01:05Z"), condition("Complete"))
    assert duration(done, NOW) == timedelta(minutes=1)


def test_a_failed_job_lasts_until_it_failed() -> None:
    failed = with_conditions(started(job()), condition("Failed", "DeadlineExceeded", at="2027-01-01T09:00:35Z"))
    assert duration(failed, NOW) == timedelta(seconds=30)


def test_age_counts_from_creation() -> None:
    assert age(job(), NOW) == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (timedelta(seconds=-5), "<invalid>"),
        (timedelta(seconds=-0.5), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=3), "3m"),
        (timedelta(minutes=3, seconds=20), "3m20s"),
        (timedelta(minutes=25), "25m"),
        (timedelta(hours=5, minutes=7), "5h7m"),
        (timedelta(hours=5), "5h"),
        (timedelta(hours=30), "30h"),
        (timedelta(days=3, hours=4), "3d4h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=100), "100d"),
        (timedelta(days=740), "2y10d"),
        (timedelta(days=365 * 9), "9y"),
    ],
)
def test_human_duration_matches_kubectl(span: timedelta, shown: str) -> None:
    assert human_duration(span) == shown
