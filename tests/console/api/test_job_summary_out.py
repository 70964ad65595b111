"""The Job list's rows carry the Job's labels and the wizard's description, which the web list shows."""

from __future__ import annotations

from jobyard.console.api._schemas import summary_out
from jobyard.console.forms import DESCRIPTION_ANNOTATION
from jobyard.console.jobs import Completions, JobStatus, JobSummary, StatusCode


def summary(metadata: dict[str, object]) -> JobSummary:
    return JobSummary(
        name="job-01",
        namespace="team",
        status=JobStatus(StatusCode.WAITING),
        completions=Completions(succeeded=0, wanted=1, parallelism=1),
        created=None,
        started=None,
        finished=None,
        duration=None,
        job={"metadata": {"name": "job-01", **metadata}},
    )


def test_a_row_carries_the_jobs_labels_and_description():
    row = summary_out(
        "local",
        summary({"labels": {"app": "demo"}, "annotations": {DESCRIPTION_ANNOTATION: "nightly <b>backup</b>"}}),
        "en",
    )
    wire = row.model_dump(by_alias=True)
    assert (wire["labels"], wire["description"]) == ({"app": "demo"}, "nightly <b>backup</b>")


def test_a_job_without_labels_or_description_has_empty_ones():
    wire = summary_out("local", summary({}), "en").model_dump(by_alias=True)
    assert (wire["labels"], wire["description"]) == ({}, None)
