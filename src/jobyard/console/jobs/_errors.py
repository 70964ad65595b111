"""Why the job service refused an action on a Job that exists (errors from the cluster itself are ``KubeApiError``).

JobActionError
├── NotFinished       rerun needs a Job that completed or failed
├── AlreadyFinished   suspend and resume need a Job that has not finished
├── NotOwned          the pod does not belong to that Job
├── DeletionTimeout   rerun: the old Job was still there after the wait
└── RerunInterrupted  the Job is gone: its rerun stopped after the delete; Rerun finishes it
"""

from __future__ import annotations

__all__ = ["AlreadyFinished", "DeletionTimeout", "JobActionError", "NotFinished", "NotOwned", "RerunInterrupted"]


class JobActionError(Exception):
    """Base of every refusal in ``jobyard.console.jobs``; ``name`` is the Job's."""

    def __init__(self, namespace: str, name: str, detail: str) -> None:
        self.namespace = namespace
        self.name = name
        super().__init__(f"Job {namespace}/{name}: {detail}")


class NotFinished(JobActionError):
    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(namespace, name, "has not finished; only a completed or failed Job can run again")


class AlreadyFinished(JobActionError):
    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(namespace, name, "has finished; there is nothing to suspend or resume")


class NotOwned(JobActionError):
    def __init__(self, namespace: str, name: str, pod: str) -> None:
        self.pod = pod
        super().__init__(namespace, name, f"has no pod {pod}")


class DeletionTimeout(JobActionError):
    def __init__(self, namespace: str, name: str, seconds: float) -> None:
        super().__init__(namespace, name, f"was still being deleted after {seconds:g} s; it was not created again")


class RerunInterrupted(JobActionError):
    def __init__(self, namespace: str, name: str) -> None:
        super().__init__(namespace, name, "is gone: its rerun stopped after deleting it; rerun it again to create it")
