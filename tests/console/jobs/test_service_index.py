"""The Job list read from a ``JobIndex`` (the console's cache) when one is kept, and from the cluster when it cannot be."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from jobyard.console.jobs import JobService, JobWithPods, Manifest, StatusCode

from .builders import job, pod
from .test_service import FakeKube, MemoryRuns

NOW = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)


class ListedIndex:
    def __init__(self, listed: list[JobWithPods] | None) -> None:
        self.listed = listed
        self.asked: list[str | None] = []

    async def jobs_with_pods(self, namespace: str | None) -> list[JobWithPods] | None:
        self.asked.append(namespace)
        return self.listed


def named(name: str, namespace: str = "default") -> Manifest:
    made = job(name)
    made["metadata"] |= {"namespace": namespace, "uid": f"uid-{namespace}-{name}"}
    return made


def test_the_list_comes_from_the_index_in_order_with_each_jobs_own_pods() -> None:
    index = ListedIndex([(named("b"), []), (named("a"), [pod("Running", containerStatuses=[])]), (named("c", "x"), [])])
    kube = FakeKube()
    summaries = asyncio.run(JobService(kube, MemoryRuns(), lambda: NOW, index=index).jobs(None))
    assert [(s.namespace, s.name, s.status.code) for s in summaries] == [
        ("default", "a", StatusCode.EXECUTING),
        ("default", "b", StatusCode.WAITING),
        ("x", "c", StatusCode.WAITING),
    ]
    assert (index.asked, kube.calls) == ([None], [])


def test_an_index_that_cannot_serve_leaves_the_list_to_the_cluster() -> None:
    kube = FakeKube(named("from-cluster"))
    summaries = asyncio.run(JobService(kube, MemoryRuns(), lambda: NOW, index=ListedIndex(None)).jobs("default"))
    assert [s.name for s in summaries] == ["from-cluster"]
