import asyncio

import pytest

from jobyard.cluster.client import LocalClient
from jobyard.cluster.controllers import EventTTLController
from jobyard.cluster.controllers.eventttl import Expiries, last_written
from jobyard.cluster.registry import Registry
from jobyard.cluster.store import Store

HOUR = 3600.0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock(1_800_000_000.0)


@pytest.fixture
def client(tmp_path, clock):
    store = Store(tmp_path / "store.db")
    registry = Registry(store, clock=clock)
    client = LocalClient(registry, "kubelet")
    client.create("namespaces", "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}})
    yield client
    store.close()


def make_event(client, name):
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "ns"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "ns"},
        "reason": "Started",
        "message": "Started container main",
        "count": 1,
    }
    return client.create("events", "ns", body)


def test_last_written_is_the_newest_managed_fields_time_else_the_creation():
    event = {
        "metadata": {
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [
                {"manager": "a", "time": "2026-01-01T00:00:05Z"},
                {"manager": "b", "time": "2026-01-01T00:10:00Z"},
            ],
        }
    }
    assert last_written(event) - last_written({"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z"}}) == 600


def test_expiries_come_out_soonest_first_and_only_when_due():
    expiries = Expiries()
    for due, key in [(30.0, "c"), (10.0, "a"), (20.0, "b")]:
        expiries.push(due, key)
    assert expiries.next_due() == 10.0
    assert expiries.pop_due(25.0) == ["a", "b"]
    assert expiries.pop_due(25.0) == []
    assert len(expiries) == 1


def test_an_event_goes_a_ttl_after_its_last_write_and_not_before(client, clock):
    controller = EventTTLController(client, HOUR)
    event = make_event(client, "e1")
    controller.on_event("events", "ADDED", event)
    clock.now += HOUR - 1
    assert controller.expiries.pop_due(clock.now) == []
    clock.now += 1
    (key,) = controller.expiries.pop_due(clock.now)
    asyncio.run(controller.reconcile(key))
    assert client.peek("events", "ns", "e1") is None


def test_an_event_written_again_lives_a_ttl_from_that_write(client, clock):
    controller = EventTTLController(client, HOUR)
    event = make_event(client, "e2")
    controller.on_event("events", "ADDED", event)
    clock.now += HOUR / 2
    updated = client.patch("events", "ns", "e2", "application/merge-patch+json", {"count": 2})
    controller.on_event("events", "MODIFIED", updated)
    clock.now += HOUR / 2
    (first,) = controller.expiries.pop_due(clock.now)
    asyncio.run(controller.reconcile(first))
    assert client.peek("events", "ns", "e2") is not None, "the second write renewed it"
    clock.now += HOUR / 2
    (second,) = controller.expiries.pop_due(clock.now)
    asyncio.run(controller.reconcile(second))
    assert client.peek("events", "ns", "e2") is None


def test_the_running_controller_deletes_what_fell_due(client, clock):
    async def scenario():
        controller = EventTTLController(client, HOUR)
        running = asyncio.create_task(controller.run())
        make_event(client, "old")
        clock.now += HOUR
        make_event(client, "new")  # its write wakes the loop, which finds "old" due
        for _ in range(200):
            if client.peek("events", "ns", "old") is None:
                break
            await asyncio.sleep(0.01)
        running.cancel()
        return client.peek("events", "ns", "old"), client.peek("events", "ns", "new")

    old, new = asyncio.run(scenario())
    assert old is None and new is not None
