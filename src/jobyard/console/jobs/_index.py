"""What the job list reads when a cache of the cluster's Jobs and pods is kept: each Job with its pods.

``JobIndex`` is satisfied by the console's per-cluster cache (kept by list+watch) and, in tests,
by a few lines over lists. Reading one may raise the ``KubeApiError`` family like a direct call;
an index that cannot serve (the console's credentials may not list cluster-wide) answers None,
and the job service asks the cluster itself.
"""

from __future__ import annotations

from typing import Protocol

from ._kube import Manifest

__all__ = ["JobIndex", "JobWithPods"]

JobWithPods = tuple[Manifest, list[Manifest]]


class JobIndex(Protocol):
    async def jobs_with_pods(self, namespace: str | None) -> list[JobWithPods] | None:
        """The Jobs of ``namespace`` (of every namespace when None), each with the pods it controls."""
        ...
