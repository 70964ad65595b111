"""Registries against real docker-registry processes: catalog and tags with no, basic and bearer auth."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from sqlalchemy import select

from console.clusters.support import add_user
from jobyard.console.auth import PermissionDenied
from jobyard.console.clusters import SECRETS
from jobyard.console.db import Registry
from jobyard.console.resources import RegistryError


@pytest.fixture(scope="module")
def pushed(image_registry, auth_registry, token_registry, tmp_path_factory):
    from imagetools import busybox_layout

    layout = busybox_layout(tmp_path_factory.mktemp("layout") / "layout")
    image_registry.push(layout, "team/busybox:1")
    image_registry.push(layout, "team/busybox:2")
    auth_registry.push(layout, "private/tool:v1")
    token_registry.push(layout, "tokened/app:7")
    return image_registry, auth_registry, token_registry


def test_an_open_registrys_repositories_and_tags(db, services, admin, pushed, busybox_image):
    _, _, registries = services
    open_registry = pushed[0]
    registries.add(admin, "open", f"http://{open_registry.host}")
    repositories = asyncio.run(registries.repositories(admin, "open"))
    assert {"team/busybox", busybox_image.split("/", 1)[1].split(":")[0]} <= set(repositories)
    assert asyncio.run(registries.tags(admin, "open", "team/busybox")) == ["1", "2"]


@pytest.mark.parametrize("which", [1, 2], ids=["basic", "bearer"])
def test_credentials_are_sealed_used_and_never_listed(db, services, admin, pushed, which):
    _, _, registries = services
    registry = pushed[which]
    repository = "private/tool" if which == 1 else "tokened/app"
    info = registries.add(
        admin, "private", f"http://{registry.host}", username=registry.username, password=registry.password
    )
    assert info.has_password and registry.password not in repr(registries.list_registries(admin))
    assert registry.password.encode() not in db.scalar(select(Registry.password))
    assert repository in asyncio.run(registries.repositories(admin, "private"))
    assert asyncio.run(registries.tags(admin, "private", repository)) in (["v1"], ["7"])


def test_wrong_credentials_and_dead_registries_are_clear_errors(db, services, admin, pushed):
    _, _, registries = services
    auth_registry = pushed[1]
    registries.add(admin, "wrong", f"http://{auth_registry.host}", username=auth_registry.username, password="nope")
    registries.add(admin, "dead", "http://127.0.0.1:1")
    with pytest.raises(RegistryError) as refused:
        asyncio.run(registries.repositories(admin, "wrong"))
    assert refused.value.code == "registryUnauthorized"
    assert refused.value.message("zh-CN").startswith("镜像仓库 wrong 拒绝了凭证")
    with pytest.raises(RegistryError) as dead:
        asyncio.run(registries.tags(admin, "dead", "x"))
    assert dead.value.code == "registryUnreachable"


def test_only_the_admin_adds_and_viewers_list_nothing(db, services, admin):
    _, _, registries = services
    editor = add_user(db, "dev", bindings=(("ns-editor", "alpha", "team-a"),))
    viewer = add_user(db, "viewer", bindings=(("ns-viewer", "alpha", "team-a"),))
    registries.add(admin, "hub", "registry.example.com")
    with pytest.raises(PermissionDenied):
        registries.add(editor, "mine", "registry.example.com")
    assert [(r.name, r.url, r.server) for r in registries.list_registries(editor)] == [
        ("hub", "https://registry.example.com", "registry.example.com")
    ]
    with pytest.raises(PermissionDenied):
        registries.list_registries(viewer)
    with pytest.raises(RegistryError) as bad:
        registries.add(admin, "bad", "ftp://example.com")
    assert bad.value.code == "registryUrlInvalid"


def test_a_pull_secret_from_a_registry_in_one_step(db, services, admin, pushed):
    clusters, resources, registries = services
    auth_registry = pushed[1]
    registries.add(
        admin,
        "private",
        f"http://{auth_registry.host}",
        username=auth_registry.username,
        password=auth_registry.password,
    )

    async def scenario():
        try:
            await resources.create_namespace(admin, "alpha", "team-a")
            info = await registries.create_pull_secret(
                admin, "private", cluster="alpha", namespace="team-a", secret_name="private-pull"
            )
            stored = await clusters.client_for("alpha").get(SECRETS, "private-pull", namespace="team-a")
        finally:
            await clusters.aclose()
        return info, stored

    info, stored = asyncio.run(scenario())
    assert auth_registry.password not in repr(info)
    auths = json.loads(base64.b64decode(stored["data"][".dockerconfigjson"]))["auths"]
    assert auths[auth_registry.host]["username"] == auth_registry.username
