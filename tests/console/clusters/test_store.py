"""The informer's pure part: a list, then watch events in order, then writes the console observed."""

from __future__ import annotations

from typing import Any

import pytest

from jobyard.console.clusters import ObjectStore, WatchEvent, controller_uid, is_newer


def obj(name: str, version: int, *, namespace: str = "ns", uid: str | None = None, owner: str | None = None) -> Any:
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": uid or f"uid-{name}",
        "resourceVersion": str(version),
        "managedFields": [{"manager": "kubectl"}],
    }
    if owner is not None:
        metadata["ownerReferences"] = [{"kind": "Job", "name": "x", "uid": owner, "controller": True}]
    return {"kind": "Pod", "metadata": metadata}


def names(store: ObjectStore, namespace: str | None = None) -> list[str]:
    return sorted(item["metadata"]["name"] for item in store.items(namespace))


def versions(store: ObjectStore) -> dict[str, str]:
    return {item["metadata"]["name"]: item["metadata"]["resourceVersion"] for item in store.items()}


def test_a_list_replaces_everything_and_sets_the_version() -> None:
    store = ObjectStore()
    store.replace([obj("old", 1)], "1")
    store.replace([obj("a", 5), obj("b", 6, namespace="other")], "9")
    assert (names(store), store.resource_version) == (["a", "b"], "9")


def test_objects_are_listed_by_namespace() -> None:
    store = ObjectStore()
    store.replace([obj("a", 1), obj("b", 2, namespace="other")], "2")
    assert (names(store, "ns"), names(store, "other"), names(store, "none")) == (["a"], ["b"], [])


def test_managed_fields_are_not_kept() -> None:
    store = ObjectStore()
    store.replace([obj("a", 1)], "1")
    store.apply(WatchEvent("ADDED", obj("b", 2)))
    assert all("managedFields" not in item["metadata"] for item in store.items())


def test_added_modified_and_deleted_events_change_the_store_and_move_its_version() -> None:
    store = ObjectStore()
    store.replace([obj("a", 1)], "1")
    store.apply(WatchEvent("ADDED", obj("b", 2)))
    store.apply(WatchEvent("MODIFIED", obj("a", 3)))
    store.apply(WatchEvent("DELETED", obj("b", 4)))
    assert (versions(store), store.resource_version) == ({"a": "3"}, "4")


def test_a_bookmark_moves_only_the_version() -> None:
    store = ObjectStore()
    store.replace([obj("a", 1)], "1")
    changed = store.apply(WatchEvent("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": "7"}}))
    assert (changed, versions(store), store.resource_version) == (False, {"a": "1"}, "7")


def test_deleting_what_is_not_there_changes_nothing() -> None:
    store = ObjectStore()
    store.replace([], "1")
    store.apply(WatchEvent("DELETED", obj("gone", 2)))
    assert (len(store), store.resource_version) == (0, "2")


def test_pods_are_found_by_their_controllers_uid_as_they_come_change_owner_and_go() -> None:
    store = ObjectStore(by_controller=True)
    store.replace([obj("p1", 1, owner="job-1"), obj("p2", 2, owner="job-1"), obj("free", 3)], "3")
    assert sorted(p["metadata"]["name"] for p in store.controlled_by("job-1")) == ["p1", "p2"]
    store.apply(WatchEvent("MODIFIED", obj("p2", 4, owner="job-2")))  # released and adopted
    store.apply(WatchEvent("DELETED", obj("p1", 5, owner="job-1")))
    assert (store.controlled_by("job-1"), [p["metadata"]["name"] for p in store.controlled_by("job-2")]) == (
        [],
        ["p2"],
    )


def test_a_store_without_the_controller_index_refuses_to_answer_by_controller() -> None:
    with pytest.raises(ValueError, match="no controller index"):
        ObjectStore().controlled_by("uid")


def test_an_observed_write_is_kept_until_its_watch_event_comes() -> None:
    store = ObjectStore()
    store.replace([], "10")
    assert store.observe(obj("new", 12))
    assert versions(store) == {"new": "12"}
    store.apply(WatchEvent("ADDED", obj("new", 12)))
    assert (versions(store), store.resource_version) == ({"new": "12"}, "12")


def test_an_observed_write_the_watch_already_passed_is_not_put_back() -> None:
    store = ObjectStore()
    store.replace([], "10")
    store.apply(WatchEvent("ADDED", obj("job", 12)))
    store.apply(WatchEvent("DELETED", obj("job", 13)))
    assert not store.observe(obj("job", 12))
    assert len(store) == 0


def test_an_older_event_does_not_replace_a_newer_observed_write_of_the_same_object() -> None:
    store = ObjectStore()
    store.replace([obj("job", 10)], "10")
    store.observe(obj("job", 14))  # the console's patch answered first
    store.apply(WatchEvent("MODIFIED", obj("job", 12)))  # someone else's earlier change
    assert versions(store) == {"job": "14"}


def test_the_deletion_of_an_old_object_spares_a_new_one_of_the_same_name() -> None:
    store = ObjectStore()
    store.replace([obj("job", 10, uid="first")], "10")
    store.observe(obj("job", 15, uid="second"))  # rerun: created again before the watch saw the delete
    store.apply(WatchEvent("DELETED", obj("job", 12, uid="first")))
    assert [item["metadata"]["uid"] for item in store.items()] == ["second"]


@pytest.mark.parametrize(
    ("version", "than", "newer"),
    [("12", "9", True), ("9", "12", False), ("5", "5", False), ("", "5", False), ("abc", "1", False)],
    ids=["larger", "smaller", "equal", "empty", "not a number"],
)
def test_resource_versions_compare_as_numbers_and_anything_else_is_never_newer(
    version: str, than: str, newer: bool
) -> None:
    assert is_newer(version, than) is newer


def test_the_controller_is_the_owner_reference_marked_controller() -> None:
    pod = {"metadata": {"ownerReferences": [{"uid": "a"}, {"uid": "b", "controller": True}]}}
    assert (controller_uid(pod), controller_uid({"metadata": {}})) == ("b", None)
