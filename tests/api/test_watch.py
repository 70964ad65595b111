"""WATCH over raw HTTP: the initial state, resuming, bookmarks, timeouts, expiry and slow readers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .support import (
    assert_status,
    client_for,
    configmap,
    configmaps_url,
    create,
    namespace_manifest,
    take,
    wait_for_default_service_account,
    watch_events,
)

MERGE = {"Content-Type": "application/merge-patch+json"}


@contextmanager
def watching(api, url: str, **params) -> Iterator[Iterator[dict]]:
    params = {"watch": "true", **params}
    with api.stream("GET", url, params=params) as response:
        assert response.status_code == 200, response.read()
        yield watch_events(response)


def summary(events: list[dict]) -> list[tuple[str, str]]:
    return [(event["type"], event["object"]["metadata"]["name"]) for event in events]


def relabel(api, namespace: str, name: str, labels: dict) -> dict:
    return api.patch(configmaps_url(namespace, name), json={"metadata": {"labels": labels}}, headers=MERGE).json()


def test_watch_without_resource_version_starts_with_an_added_event_per_object(api, namespace):
    create(api, configmaps_url(namespace), configmap("a"))
    create(api, configmaps_url(namespace), configmap("b"))
    with watching(api, configmaps_url(namespace)) as events:
        assert summary(take(events, 2)) == [("ADDED", "a"), ("ADDED", "b")]


def test_watch_streams_changes_after_the_initial_state(api, namespace):
    create(api, configmaps_url(namespace), configmap("a"))
    with watching(api, configmaps_url(namespace)) as events:
        take(events, 1)
        relabel(api, namespace, "a", {"x": "1"})
        api.delete(configmaps_url(namespace, "a"))
        assert summary(take(events, 2)) == [("MODIFIED", "a"), ("DELETED", "a")]


def test_watch_from_a_resource_version_replays_only_later_events(api, namespace):
    first = create(api, configmaps_url(namespace), configmap("a"))
    create(api, configmaps_url(namespace), configmap("b"))
    relabel(api, namespace, "a", {"x": "1"})
    with watching(api, configmaps_url(namespace), resourceVersion=first["metadata"]["resourceVersion"]) as events:
        replayed = take(events, 2)
        create(api, configmaps_url(namespace), configmap("marker"))
        assert summary(replayed + take(events, 1)) == [("ADDED", "b"), ("MODIFIED", "a"), ("ADDED", "marker")]


def test_replayed_events_carry_growing_resource_versions(api, namespace):
    first = create(api, configmaps_url(namespace), configmap("a"))
    for value in "123":
        relabel(api, namespace, "a", {"x": value})
    with watching(api, configmaps_url(namespace), resourceVersion=first["metadata"]["resourceVersion"]) as events:
        versions = [int(event["object"]["metadata"]["resourceVersion"]) for event in take(events, 3)]
    assert versions == sorted(versions) and versions[0] > int(first["metadata"]["resourceVersion"])


def test_watch_with_resource_version_zero_starts_from_the_current_state(api, namespace):
    create(api, configmaps_url(namespace), configmap("a"))
    with watching(api, configmaps_url(namespace), resourceVersion="0") as events:
        assert summary(take(events, 1)) == [("ADDED", "a")]


def test_bookmarks_arrive_when_allowed(api, namespace, shared_cluster):
    current = str(shared_cluster.cluster.store.resource_version)
    with watching(api, configmaps_url(namespace), resourceVersion=current, allowWatchBookmarks="true") as events:
        bookmark = next(events)
    assert bookmark["type"] == "BOOKMARK"
    assert (bookmark["object"]["kind"], bookmark["object"]["apiVersion"]) == ("ConfigMap", "v1")
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) >= int(current)


def test_no_bookmarks_unless_allowed(api, namespace, shared_cluster):
    current = str(shared_cluster.cluster.store.resource_version)
    with watching(api, configmaps_url(namespace), resourceVersion=current, timeoutSeconds=1) as events:
        assert list(events) == []


def test_timeout_seconds_ends_the_stream(api, namespace):
    started = time.monotonic()
    with watching(api, configmaps_url(namespace), timeoutSeconds=1) as events:
        assert list(events) == []
    assert 0.9 <= time.monotonic() - started < 3


def test_label_selector_watch_turns_leaving_the_selection_into_deleted(api, namespace):
    create(api, configmaps_url(namespace), configmap("a", labels={"app": "web"}))
    with watching(api, configmaps_url(namespace), labelSelector="app=web") as events:
        take(events, 1)
        relabel(api, namespace, "a", {"app": "db"})
        assert summary(take(events, 1)) == [("DELETED", "a")]


def test_label_selector_watch_turns_entering_the_selection_into_added(api, namespace):
    create(api, configmaps_url(namespace), configmap("a", labels={"app": "db"}))
    with watching(api, configmaps_url(namespace), labelSelector="app=web") as events:
        relabel(api, namespace, "a", {"app": "web"})
        assert summary(take(events, 1)) == [("ADDED", "a")]


def test_field_selector_watch_sees_only_the_named_object(api, namespace):
    with watching(api, configmaps_url(namespace), fieldSelector="metadata.name=b") as events:
        create(api, configmaps_url(namespace), configmap("a"))
        create(api, configmaps_url(namespace), configmap("b"))
        assert summary(take(events, 1)) == [("ADDED", "b")]


def test_namespaced_watch_sees_only_its_namespace(api, namespace):
    with watching(api, configmaps_url(namespace)) as events:
        create(api, configmaps_url("default"), configmap(f"elsewhere-{namespace}"))
        create(api, configmaps_url(namespace), configmap("here"))
        assert summary(take(events, 1)) == [("ADDED", "here")]


def test_legacy_watch_path_streams_events(api, namespace):
    create(api, configmaps_url(namespace), configmap("a"))
    with api.stream("GET", f"/api/v1/watch/namespaces/{namespace}/configmaps") as response:
        assert summary(take(watch_events(response), 1)) == [("ADDED", "a")]


def test_watch_with_an_invalid_label_selector_is_400_before_streaming(api, namespace):
    response = api.get(configmaps_url(namespace), params={"watch": "true", "labelSelector": "a in (b"})
    assert_status(response, 400, "BadRequest")


def test_watch_from_a_resource_version_older_than_the_history_is_410_expired(start_cluster):
    running = start_cluster(watch_history_size=5)
    with client_for(running) as api:
        create(api, "/api/v1/namespaces", namespace_manifest("busy"))
        wait_for_default_service_account(api, "busy")
        for number in range(10):
            create(api, configmaps_url("busy"), configmap(f"cm-{number}"))
        with watching(api, configmaps_url("busy"), resourceVersion="1") as events:
            error = next(events)
    assert error["type"] == "ERROR"
    assert (error["object"]["code"], error["object"]["reason"]) == (410, "Expired")


def test_a_slow_watcher_is_closed_with_410_and_writers_do_not_wait(start_cluster):
    running = start_cluster(watch_queue_size=5)
    big = "x" * (512 * 1024)
    with client_for(running, timeout=30) as api:
        create(api, "/api/v1/namespaces", namespace_manifest("busy"))
        wait_for_default_service_account(api, "busy")
        with api.stream("GET", configmaps_url("busy"), params={"watch": "true"}) as unread:
            started = time.monotonic()
            for number in range(60):
                create(api, configmaps_url("busy"), configmap(f"cm-{number}", data={"blob": big}))
            writing = time.monotonic() - started
            last = json.loads(list(unread.iter_lines())[-1])
    assert writing < 20
    assert last["type"] == "ERROR"
    assert (last["object"]["code"], last["object"]["reason"]) == (410, "Expired")


def test_cluster_scoped_kinds_can_be_watched(api):
    with watching(api, "/api/v1/namespaces", fieldSelector="metadata.name=default") as events:
        assert summary(take(events, 1)) == [("ADDED", "default")]


def test_a_watch_list_sends_the_current_state_then_a_bookmark_marking_its_end(api, namespace):
    create(api, configmaps_url(namespace), configmap("first"))
    params = {
        "watch": "true",
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": 5,
    }
    with api.stream("GET", configmaps_url(namespace), params=params) as response:
        added, bookmark = take(watch_events(response), 2)
    assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "first")
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_a_watch_list_needs_resource_version_match_not_older_than(api, namespace):
    response = api.get(configmaps_url(namespace), params={"watch": "true", "sendInitialEvents": "true"})
    assert_status(response, 422, "Invalid")


def test_an_object_leaving_the_selection_is_deleted_in_its_previous_state(api, namespace):
    create(api, configmaps_url(namespace), configmap("moving", labels={"a": "1"}))
    params = {"watch": "true", "labelSelector": "a=1", "timeoutSeconds": 5}
    with api.stream("GET", configmaps_url(namespace), params=params) as response:
        events = watch_events(response)
        next(events)
        patch = {"metadata": {"labels": {"a": "2"}}}
        moved = api.patch(
            configmaps_url(namespace, "moving"), json=patch, headers={"Content-Type": "application/merge-patch+json"}
        ).json()
        deleted = next(events)
    assert deleted["type"] == "DELETED"
    assert deleted["object"]["metadata"]["labels"] == {"a": "1"}
    assert deleted["object"]["metadata"]["resourceVersion"] == moved["metadata"]["resourceVersion"]
