"""Random requests against the API: never a 5xx, and a 4xx never changes the store."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import (
    configmap,
    create,
    job,
    namespace_manifest,
    pod,
    wait_for_default_service_account,
)

FUZZ_NAMESPACE = "fuzz"
NAMES = ["cm", "job", "pod", "absent", "Bad_Name", "a" * 300, ""]
COLLECTIONS = [
    f"/api/v1/namespaces/{FUZZ_NAMESPACE}/configmaps",
    f"/api/v1/namespaces/{FUZZ_NAMESPACE}/pods",
    f"/api/v1/namespaces/{FUZZ_NAMESPACE}/secrets",
    f"/apis/batch/v1/namespaces/{FUZZ_NAMESPACE}/jobs",
    "/api/v1/namespaces/missing/configmaps",
    "/api/v1/configmaps",
    "/apis/batch/v1/jobs",
]
SUBRESOURCES = ["", "/status", "/eviction", "/binding", "/log", "/scale"]
CONTENT_TYPES = [
    "application/json",
    "application/yaml",
    "application/merge-patch+json",
    "application/json-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "text/plain",
    "",
]
QUERY_KEYS = [
    "labelSelector",
    "fieldSelector",
    "limit",
    "continue",
    "resourceVersion",
    "resourceVersionMatch",
    "dryRun",
    "fieldValidation",
    "fieldManager",
    "force",
    "gracePeriodSeconds",
    "propagationPolicy",
    "orphanDependents",
    "includeObject",
]
# Fields a mutation may replace. Owner references are left out: a dangling owner
# makes the garbage collector write later, in the middle of another example.
MUTABLE_PATHS = [
    ("apiVersion",),
    ("kind",),
    ("metadata",),
    ("metadata", "name"),
    ("metadata", "generateName"),
    ("metadata", "namespace"),
    ("metadata", "labels"),
    ("metadata", "annotations"),
    ("metadata", "resourceVersion"),
    ("metadata", "uid"),
    ("data",),
    ("spec",),
    ("spec", "parallelism"),
    ("spec", "completions"),
    ("spec", "completionMode"),
    ("spec", "backoffLimit"),
    ("spec", "selector"),
    ("spec", "template"),
    ("spec", "containers"),
    ("spec", "nodeName"),
    ("status",),
    ("surprise",),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
manifests = st.sampled_from([configmap("cm"), job("job"), pod("pod"), namespace_manifest("fuzzed")])


@st.composite
def mutated_manifests(draw) -> Any:
    manifest = json.loads(json.dumps(draw(manifests)))
    for _ in range(draw(st.integers(1, 3))):
        *parents, leaf = draw(st.sampled_from(MUTABLE_PATHS))
        target = manifest
        for key in parents:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[leaf] = draw(json_values)
    return manifest


json_patches = st.lists(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "frob"]),
            "path": st.sampled_from(["/data/key", "/metadata/labels", "/spec", "/", "", "/metadata/name", "nope"]),
        },
        optional={"value": json_values, "from": st.sampled_from(["/data", "/metadata"])},
    ),
    max_size=3,
)


def encoded(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.none(),
    st.binary(max_size=64),
    json_values.map(encoded),
    mutated_manifests().map(encoded),
    json_patches.map(encoded),
)
queries = st.dictionaries(
    st.sampled_from(QUERY_KEYS),
    st.one_of(
        st.text(max_size=12),
        st.integers(-5, 10**12).map(str),
        st.sampled_from(
            ["All", "Strict", "Warn", "Orphan", "Exact", "NotOlderThan", "a in (b)", "!x", "metadata.name=cm"]
        ),
    ),
    max_size=4,
)


@st.composite
def paths(draw) -> str:
    collection = draw(st.sampled_from(COLLECTIONS))
    if draw(st.booleans()):
        return collection
    return f"{collection}/{draw(st.sampled_from(NAMES))}{draw(st.sampled_from(SUBRESOURCES))}"


@pytest.fixture(scope="module")
def fuzz_namespace(api) -> str:
    create(api, "/api/v1/namespaces", namespace_manifest(FUZZ_NAMESPACE))
    wait_for_default_service_account(api, FUZZ_NAMESPACE)
    create(api, COLLECTIONS[0], configmap("cm"))
    create(api, COLLECTIONS[3], job("job"))
    create(api, COLLECTIONS[1], pod("pod"))
    return FUZZ_NAMESPACE


def garbage_collector_is_done(api) -> bool:
    """No object still waits for the garbage collector to orphan or delete its dependents."""
    for collection in COLLECTIONS[:4]:
        for item in api.get(collection).json()["items"]:
            if {"orphan", "foregroundDeletion"} & set(item["metadata"].get("finalizers") or []):
                return False
    return True


def settle(api, timeout_seconds: float = 10) -> None:
    """Waits out the writes a successful DELETE leaves to the garbage collector.

    Without this, the collector's write could land during the next example and
    look like a 4xx that changed the store.
    """
    deadline = time.monotonic() + timeout_seconds
    while not garbage_collector_is_done(api):
        assert time.monotonic() < deadline, "the garbage collector did not finish"
        time.sleep(0.02)


def is_too_large_resource_version(response) -> bool:
    """Upstream's one 5xx for bad input: a resourceVersion from the future is 504 Timeout."""
    return response.status_code == 504 and response.json()["message"].startswith("Too large resource version")


@settings(
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    path=paths(),
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    query=queries,
)
def test_no_request_gets_a_5xx_and_no_4xx_writes(
    api, shared_cluster, fuzz_namespace, method, path, body, content_type, query
):
    store = shared_cluster.cluster.store
    before = store.resource_version
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.request(method, path, content=body, headers=headers, params=query)
    if is_too_large_resource_version(response):
        return
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert store.resource_version == before, response.text
        assert response.json()["kind"] == "Status"
    elif method != "GET":
        settle(api)
