import asyncio

import pytest

from jobyard.cluster.store import Store, copy_json
from jobyard.cluster.store._stored import decode, encode


def make(name, namespace="default", **extra):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, **extra}


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "store.db", history_size=5)
    yield opened
    opened.close()


def test_every_write_takes_the_next_global_resource_version(store):
    first = store.put("configmaps", make("a"), "ADDED")
    second = store.put("secrets", make("b"), "ADDED")
    assert (first["metadata"]["resourceVersion"], second["metadata"]["resourceVersion"]) == ("1", "2")
    assert store.resource_version == 2


def test_lists_are_sorted_by_namespace_then_name(store):
    for namespace, name in [("b", "x"), ("a", "z"), ("a", "y")]:
        store.put("configmaps", make(name, namespace), "ADDED")
    assert [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in store.list("configmaps")] == [
        ("a", "y"),
        ("a", "z"),
        ("b", "x"),
    ]
    assert [o["metadata"]["name"] for o in store.list("configmaps", "a")] == ["y", "z"]


def test_objects_and_versions_survive_reopening(tmp_path):
    path = tmp_path / "store.db"
    first = Store(path)
    first.put("configmaps", make("a", data={"k": "v"}), "ADDED")
    first.remove("configmaps", make("gone-before-it-was-there"))
    first.close()
    reopened = Store(path)
    assert reopened.get("configmaps", "default", "a")["data"] == {"k": "v"}
    assert reopened.resource_version == 2
    reopened.close()


def test_a_watch_replays_events_after_its_version(store):
    async def scenario():
        store.put("configmaps", make("a"), "ADDED")
        store.put("configmaps", make("b"), "ADDED")
        watcher = store.watch("configmaps", None, since=1, capacity=10)
        event = await watcher.next(0.1)
        return event.name, event.resource_version

    assert asyncio.run(scenario()) == ("b", 2)


def test_a_version_older_than_the_kept_history_is_expired(store):
    for index in range(8):
        store.put("configmaps", make(f"c{index}"), "ADDED")
    assert store.watch("configmaps", None, since=1, capacity=10) is None
    assert store.watch("configmaps", None, since=3, capacity=10) is not None


def test_a_slow_watcher_overflows_instead_of_blocking_writers(store):
    async def scenario():
        watcher = store.watch("configmaps", None, since=store.resource_version, capacity=2)
        for index in range(3):
            store.put("configmaps", make(f"c{index}"), "ADDED")
        return watcher.overflowed, await watcher.next(0.1)

    assert asyncio.run(scenario()) == (True, None)


def test_watchers_see_only_their_resource_and_namespace(store):
    async def scenario():
        watcher = store.watch("configmaps", "a", since=0, capacity=10)
        store.put("secrets", make("s", "a"), "ADDED")
        store.put("configmaps", make("other", "b"), "ADDED")
        store.put("configmaps", make("mine", "a"), "ADDED")
        return (await watcher.next(0.1)).name

    assert asyncio.run(scenario()) == "mine"


def test_a_deleted_event_carries_the_object_before_deletion(store):
    async def scenario():
        store.put("configmaps", make("a"), "ADDED")
        watcher = store.watch("configmaps", None, since=store.resource_version, capacity=10)
        store.remove("configmaps", make("a"))
        event = await watcher.next(0.1)
        return event.type, event.previous["metadata"]["resourceVersion"], event.resource_version

    assert asyncio.run(scenario()) == ("DELETED", "1", 2)
    assert store.get("configmaps", "default", "a") is None


def event(name, **extra):
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
        "reason": "Started",
        **extra,
    }


def test_events_kept_as_text_read_back_as_the_objects_written(tmp_path):
    path = tmp_path / "store.db"
    store = Store(path)
    written = store.put("events", event("e1", count=1), "ADDED")
    store.put("events", event("e0"), "ADDED")
    assert store.get("events", "default", "e1") == written
    assert [e["metadata"]["name"] for e in store.list("events")] == ["e0", "e1"]
    assert store.get_by_uid("uid-e1") == ("events", written)
    watcher = store.watch("events", None, since=store.resource_version, capacity=10)
    assert watcher is not None
    updated = store.put("events", {**copy_json(written), "count": 2}, "MODIFIED")
    change = asyncio.run(watcher.next(0.1))
    assert change.previous == written and change.obj == updated
    store.remove("events", updated)
    assert store.get("events", "default", "e1") is None and store.get_by_uid("uid-e1") is None
    store.close()
    reopened = Store(path)
    assert [e["metadata"]["name"] for e in reopened.list("events")] == ["e0"]
    reopened.close()


def pod(name, phase, finalizers=()):
    meta = {"name": name, "namespace": "default", "uid": f"uid-{name}"}
    if finalizers:
        meta["finalizers"] = list(finalizers)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "status": {"phase": phase}}


def test_a_pod_that_is_done_is_kept_as_text_and_reads_back_as_written(store):
    running = store.put("pods", pod("running", "Running"), "ADDED")
    held = store.put("pods", pod("held", "Succeeded", ["batch.kubernetes.io/job-tracking"]), "ADDED")
    done = store.put("pods", pod("done", "Failed"), "ADDED")
    # Kept decoded: every read shares the one object.
    assert store.get("pods", "default", "running") is running
    assert store.get("pods", "default", "held") is held
    # Kept as its text: each read decodes an equal object of its own.
    first, second = store.get("pods", "default", "done"), store.get("pods", "default", "done")
    assert first == second == done and first is not second
    assert store.get_by_uid("uid-done") == ("pods", done)
    assert [p["metadata"]["name"] for p in store.list("pods")] == ["done", "held", "running"]
    released = store.put("pods", {**copy_json(held), "metadata": {**held["metadata"], "finalizers": []}}, "MODIFIED")
    assert store.get("pods", "default", "held") == released and store.get("pods", "default", "held") is not released


def test_copies_of_stored_objects_equal_them_and_share_nothing(store):
    stored = store.put("configmaps", make("a", data={"k": "v", "n": "é"}), "ADDED")
    copied = copy_json(stored)
    assert copied == stored and type(copied) is dict
    copied["data"]["k"] = "changed"
    assert stored["data"]["k"] == "v"
    assert copy_json({"big": 2**70, "nan": float("inf")}) == {"big": 2**70, "nan": float("inf")}


def test_stored_text_is_compact_json_and_reads_back_what_orjson_refuses():
    assert encode({"a": [1, "é"], "b": None}) == '{"a":[1,"é"],"b":null}'
    assert decode(encode({"big": 2**70})) == {"big": 2**70}
    assert decode('{"x": NaN}')["x"] != decode('{"x": NaN}')["x"], "NaN, read by Python's decoder"
