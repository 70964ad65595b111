"""The Job controller core passes every upstream scenario of job_cases.yaml, run as the module command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("job_cases.yaml")


def test_every_upstream_job_case_passes() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "jobyard.cluster.controllers.job.conformance", str(CASES)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = run.stdout.strip().splitlines()
    failures = [line for line in lines if line.startswith("FAIL")]
    assert failures == []
    assert run.returncode == 0
    assert lines[-1] == "74 passed, 0 failed"


def test_an_unknown_case_field_fails_loudly(tmp_path: Path) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n- id: X1\n  name: job start with a field from the future\n"
        "  job: {parallelism: 1, completions: 1}\n  pods: []\n  expect: {created: 1, warp: 9}\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "jobyard.cluster.controllers.job.conformance", str(cases)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "unknown field(s) warp" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"
