"""The conformance harness: job_cases.yaml scenarios run against the core and the plan applier.

``python -m jobyard.cluster.controllers.job.conformance FILE...`` prints one
line per case and a summary, and exits non-zero if any case failed.
"""

from ._runner import CaseResult, run_case, run_file

__all__ = ["CaseResult", "run_case", "run_file"]
