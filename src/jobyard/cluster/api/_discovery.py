"""Discovery documents: /version, /api, /apis and each group-version's resource list."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Iterable
from typing import Any

from jobyard import __version__
from jobyard.cluster.kinds import ResourceType
from jobyard.cluster.schema import KUBERNETES_SCHEMA_VERSION

Obj = dict[str, Any]

# Subresources: (verbs, kind, group, version) as upstream's discovery lists them.
_SUBRESOURCES: dict[str, tuple[tuple[str, ...], str | None, str, str]] = {
    "status": (("get", "patch", "update"), None, "", ""),
    "eviction": (("create",), "Eviction", "policy", "v1"),
    "binding": (("create",), "Binding", "", ""),
    "log": (("get",), None, "", ""),
    "finalize": (("update",), None, "", ""),
}


def version_info() -> Obj:
    major, minor, _ = KUBERNETES_SCHEMA_VERSION.split(".")
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{KUBERNETES_SCHEMA_VERSION}+jobyard.{__version__}",
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": "2026-11-27T00:00:00Z",
        "goVersion": "python" + platform.python_version(),
        "compiler": "jobyard",
        "platform": f"linux/{machine}",
    }


def group_versions(rtypes: Iterable[ResourceType]) -> list[str]:
    seen: list[str] = []
    for rtype in rtypes:
        if rtype.group_version not in seen:
            seen.append(rtype.group_version)
    return seen


def core_versions(server_address: str) -> Obj:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def group_list(rtypes: Iterable[ResourceType]) -> Obj:
    groups = []
    for group_version in group_versions(rtypes):
        if "/" not in group_version:
            continue
        name, version = group_version.split("/")
        entry = {"groupVersion": group_version, "version": version}
        groups.append({"name": name, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(rtypes: Iterable[ResourceType], group: str) -> Obj | None:
    for group_version in group_versions(rtypes):
        if group_version.startswith(group + "/"):
            entry = {"groupVersion": group_version, "version": group_version.split("/")[1]}
            return {
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": group,
                "versions": [entry],
                "preferredVersion": entry,
            }
    return None


def resource_list(rtypes: Iterable[ResourceType], group_version: str) -> Obj | None:
    if group_version not in group_versions(rtypes):
        return None
    resources: list[Obj] = []
    for rtype in rtypes:
        if rtype.group_version != group_version:
            continue
        entry: Obj = {
            "name": rtype.plural,
            "singularName": rtype.singular,
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": list(rtype.verbs),
            "storageVersionHash": hashlib.sha256(f"{rtype.group_version}/{rtype.kind}".encode()).hexdigest()[:12],
        }
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        if rtype.categories:
            entry["categories"] = list(rtype.categories)
        resources.append(entry)
        for subresource in rtype.subresources:
            verbs, kind, group, version = _SUBRESOURCES[subresource]
            sub: Obj = {
                "name": f"{rtype.plural}/{subresource}",
                "singularName": "",
                "namespaced": rtype.namespaced,
                "kind": kind or rtype.kind,
                "verbs": list(verbs),
            }
            if group:
                sub["group"], sub["version"] = group, version
            resources.append(sub)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
