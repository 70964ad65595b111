"""The informer's loop against a scripted client: list, watch, relist on 410 Gone, report and recover."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest

from jobyard.console.clusters import (
    JOBS,
    ClusterUnreachable,
    Informer,
    KubeError,
    ObjectList,
    ObjectStore,
    Unreachability,
    WatchEvent,
)

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coroutine, 10))


def job(name: str, version: int) -> dict[str, Any]:
    return {"kind": "Job", "metadata": {"name": name, "namespace": "ns", "uid": name, "resourceVersion": str(version)}}


def gone() -> KubeError:
    return KubeError({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version"})


def forbidden() -> KubeError:
    return KubeError({"kind": "Status", "code": 403, "reason": "Forbidden", "message": "jobs is forbidden"})


def refused() -> ClusterUnreachable:
    return ClusterUnreachable("https://cluster", Unreachability.REFUSED, "connection refused")


class ScriptedClient:
    """Answers lists and watches from scripts; a watch whose script ran out stays open until cancelled."""

    server = "https://cluster"

    def __init__(self, lists: list[ObjectList | KubeError], watches: list[list[WatchEvent | KubeError] | KubeError]):
        self.lists = lists
        self.watches = watches
        self.watched_from: list[str] = []
        self.drained = asyncio.Event()

    async def list(self, kind: Any, *, namespace: str | None = None) -> ObjectList:
        answer = self.lists.pop(0)
        if isinstance(answer, KubeError):
            raise answer
        return answer

    @asynccontextmanager
    async def open_watch(self, kind: Any, *, resource_version: str, **_: Any) -> AsyncIterator[Any]:
        self.watched_from.append(resource_version)
        if not self.watches:
            self.drained.set()
            await asyncio.Event().wait()
        script = self.watches.pop(0)
        if isinstance(script, KubeError):
            raise script

        async def events() -> AsyncIterator[WatchEvent]:
            for item in script:
                if isinstance(item, KubeError):
                    raise item
                yield item

        yield events()


async def follow(client: ScriptedClient, **options: Any) -> tuple[Informer, ObjectStore]:
    store = ObjectStore()
    informer = Informer(client, JOBS, store, min_backoff=0.001, max_backoff=0.01, **options)  # type: ignore[arg-type]
    informer.start()
    await informer.ready(5)
    return informer, store


def names(store: ObjectStore) -> list[str]:
    return sorted(item["metadata"]["name"] for item in store.items())


def test_the_store_follows_the_list_then_the_watch_from_the_lists_version() -> None:
    async def scenario() -> tuple[list[str], list[str], str]:
        client = ScriptedClient(
            [ObjectList([job("a", 3)], "5")],
            [[WatchEvent("ADDED", job("b", 6)), WatchEvent("DELETED", job("a", 7))]],
        )
        informer, store = await follow(client)
        await client.drained.wait()
        await informer.stop()
        return names(store), client.watched_from, store.resource_version

    assert run(scenario()) == (["b"], ["5", "7"], "7")


def test_a_watch_the_server_ended_is_reopened_from_the_last_version_seen_without_a_list() -> None:
    async def scenario() -> tuple[list[str], int]:
        client = ScriptedClient(
            [ObjectList([], "5")],
            [[WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "8"}})], []],
        )
        informer, _ = await follow(client)
        await client.drained.wait()
        await informer.stop()
        return client.watched_from, len(client.lists)

    assert run(scenario()) == (["5", "8", "8"], 0)


def test_410_gone_lists_again_and_what_the_new_list_says_replaces_the_store() -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        client = ScriptedClient(
            [ObjectList([job("a", 3)], "5"), ObjectList([job("c", 20)], "21")],
            [[gone()]],
        )
        informer, store = await follow(client)
        await client.drained.wait()
        await informer.stop()
        return names(store), client.watched_from

    assert run(scenario()) == (["c"], ["5", "21"])


def test_a_cluster_that_does_not_answer_is_reported_by_ready_not_served_stale() -> None:
    async def scenario() -> tuple[str, list[str]]:
        client = ScriptedClient([ObjectList([job("a", 3)], "5")], [[refused()], refused(), refused()])
        store = ObjectStore()
        informer = Informer(client, JOBS, store, min_backoff=0.001, max_backoff=0.01)  # type: ignore[arg-type]
        informer.start()
        while len(client.watches) > 1:  # the watch broke and reopening it failed
            await asyncio.sleep(0.001)
        with pytest.raises(ClusterUnreachable) as raised:
            await informer.ready(5)
        await informer.stop()
        return raised.value.reason, names(store)

    assert run(scenario()) == ("ServiceUnavailable", ["a"])


def test_a_cluster_that_comes_back_is_followed_again() -> None:
    async def scenario() -> tuple[object, list[str]]:
        client = ScriptedClient(
            [refused(), ObjectList([job("a", 3)], "5")],  # type: ignore[list-item]
            [[WatchEvent("ADDED", job("b", 6))]],
        )
        store = ObjectStore()
        informer = Informer(client, JOBS, store, min_backoff=0.001, max_backoff=0.01)  # type: ignore[arg-type]
        informer.start()
        with pytest.raises(ClusterUnreachable):
            await informer.ready(5)
        await informer.ready(5)
        await client.drained.wait()
        await informer.stop()
        return informer.problem, names(store)

    assert run(scenario()) == (None, ["a", "b"])


def test_a_list_rbac_forbids_marks_the_informer_forbidden() -> None:
    async def scenario() -> bool:
        client = ScriptedClient([forbidden()], [])
        informer = Informer(client, JOBS, ObjectStore(), min_backoff=0.001)  # type: ignore[arg-type]
        informer.start()
        with pytest.raises(KubeError):
            await informer.ready(5)
        await informer.stop()
        return informer.forbidden

    assert run(scenario())


def test_changes_are_reported_per_object_and_after_a_list_as_anything() -> None:
    async def scenario() -> list[str | None]:
        seen: list[str | None] = []
        client = ScriptedClient(
            [ObjectList([], "5")],
            [[WatchEvent("ADDED", job("b", 6)), WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "9"}})]],
        )
        store = ObjectStore()
        informer = Informer(
            client,  # type: ignore[arg-type]
            JOBS,
            store,
            on_change=lambda changed: seen.append(None if changed is None else changed["metadata"]["name"]),
        )
        informer.start()
        await client.drained.wait()
        await informer.stop()
        return seen

    assert run(scenario()) == [None, "b"]
