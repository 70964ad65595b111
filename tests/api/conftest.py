"""Fixtures for raw-HTTP tests: a client bound to the shared cluster, a namespace per test."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from conftest import RunningCluster, free_port

from .support import client_for, namespace_manifest, wait_for_default_service_account

_namespace_numbers = itertools.count()


@pytest.fixture(scope="module")
def api(shared_cluster: RunningCluster) -> Iterator[httpx.Client]:
    with client_for(shared_cluster) as client:
        yield client


@pytest.fixture
def namespace(api: httpx.Client, request: pytest.FixtureRequest) -> str:
    """A fresh namespace on the shared cluster, named after the test."""
    base = "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50].strip("-")
    name = f"{base}-{next(_namespace_numbers)}"
    response = api.post("/api/v1/namespaces", json=namespace_manifest(name))
    assert response.status_code == 201, response.text
    # The serviceaccount controller writes the namespace's `default` account
    # on its own; waiting for it keeps "the store did not change" checks exact.
    wait_for_default_service_account(api, name)
    return name


@pytest.fixture
def start_cluster(cluster_config) -> Iterator[Callable[..., RunningCluster]]:
    """Starts a cluster of its own with some settings changed; stopped after the test."""
    started: list[RunningCluster] = []

    def start(**changes: Any) -> RunningCluster:
        config = replace(cluster_config, api_port=free_port(), **changes)
        running = RunningCluster(config).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
