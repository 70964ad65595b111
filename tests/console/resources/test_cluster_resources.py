"""Namespaces, ConfigMaps and Secrets round trips on a real cluster; Secret values never come back."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from sqlalchemy import select

from console.clusters.support import add_user
from jobyard.console.auth import PermissionDenied
from jobyard.console.clusters import SECRETS, KubeError
from jobyard.console.db import AuditEntry
from jobyard.console.resources import DOCKER_CONFIG_JSON

PASSWORD = "hunter2-very-secret"


def test_namespaces_round_trip_with_labels_and_role_filtering(db, services, admin):
    clusters, resources, _ = services
    viewer = add_user(db, "viewer", bindings=(("ns-viewer", "alpha", "team-a"),))

    async def scenario():
        try:
            created = await resources.create_namespace(admin, "alpha", "team-a", {"owner": "data"})
            await resources.create_namespace(admin, "alpha", "team-b")
            assert created.labels["owner"] == "data"
            names = [n.name for n in await resources.list_namespaces(admin, "alpha")]
            assert {"default", "team-a", "team-b"} <= set(names)
            assert [n.name for n in await resources.list_namespaces(viewer, "alpha")] == ["team-a"]
            with pytest.raises(PermissionDenied):
                await resources.create_namespace(viewer, "alpha", "team-c")
            await resources.delete_namespace(admin, "alpha", "team-b")
            # The namespace controller may already have emptied and removed it.
            after = {n.name: n.phase for n in await resources.list_namespaces(admin, "alpha")}
            assert after.get("team-b", "Terminating") == "Terminating"
        finally:
            await clusters.aclose()

    asyncio.run(scenario())
    actions = [(e.action, e.target, e.result) for e in db.scalars(select(AuditEntry).where(AuditEntry.user != "root"))]
    assert actions == [("namespace.create", "team-c", "denied")]


def test_configmaps_round_trip_and_cluster_errors_are_status(services, admin):
    clusters, resources, _ = services

    async def scenario():
        try:
            await resources.create_namespace(admin, "alpha", "team-a")
            created = await resources.create_configmap(admin, "alpha", "team-a", "settings", {"b": "2", "a": "1"})
            assert created.keys == ("a", "b")
            assert [c.name for c in await resources.list_configmaps(admin, "alpha", "team-a")] == ["settings"]
            with pytest.raises(KubeError) as invalid:
                await resources.create_configmap(admin, "alpha", "team-a", "Bad_Name", {})
            assert invalid.value.causes[0]["field"] == "metadata.name"
        finally:
            await clusters.aclose()

    asyncio.run(scenario())


def test_secrets_are_created_but_their_values_never_returned_or_audited(db, services, admin):
    clusters, resources, _ = services

    async def scenario():
        try:
            await resources.create_namespace(admin, "alpha", "team-a")
            opaque = await resources.create_secret(admin, "alpha", "team-a", "db", {"password": PASSWORD})
            pull = await resources.create_registry_secret(
                admin, "alpha", "team-a", "pull", server="registry.example.com", username="bot", password=PASSWORD
            )
            listed = await resources.list_secrets(admin, "alpha", "team-a")
            fetched = await resources.get_secret(admin, "alpha", "team-a", "db")
            stored = await clusters.client_for("alpha").get(SECRETS, "pull", namespace="team-a")
        finally:
            await clusters.aclose()
        return opaque, pull, listed, fetched, stored

    opaque, pull, listed, fetched, stored = asyncio.run(scenario())
    assert (opaque.type, opaque.keys) == ("Opaque", ("password",))
    assert (pull.type, pull.keys) == (DOCKER_CONFIG_JSON, (".dockerconfigjson",))
    assert {s.name for s in listed} == {"db", "pull"} and fetched == opaque
    for shown in (repr(opaque), repr(pull), repr(listed), repr(fetched)):
        assert PASSWORD not in shown and base64.b64encode(PASSWORD.encode()).decode() not in shown
    config = json.loads(base64.b64decode(stored["data"][".dockerconfigjson"]))
    assert config["auths"]["registry.example.com"]["password"] == PASSWORD
    details = " ".join(e.detail or "" for e in db.scalars(select(AuditEntry)))
    assert PASSWORD not in details and "Opaque: password" in details
