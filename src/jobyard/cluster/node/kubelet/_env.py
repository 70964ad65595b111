"""A container's environment as the kubelet builds it: image env, envFrom, env, ``$(VAR)`` expansion.

Pure: the ConfigMaps and Secrets a container refers to are looked up through
the ``lookup`` callable, so tests pass dicts and the kubelet passes the API.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any

from jobyard.cluster.kinds import QuantityError, parse_quantity

__all__ = ["ConfigError", "Lookup", "container_env", "expand", "field_value", "resource_value"]

Obj = dict[str, Any]
# (kind, name) -> the object or None: kind is "configmaps" or "secrets".
Lookup = Callable[[str, str], Obj | None]

_SUBSCRIPT = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


class ConfigError(Exception):
    """The container cannot be configured yet: upstream's ``CreateContainerConfigError``."""


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Upstream's ``$(VAR)`` expansion: defined names are replaced, ``$$`` is ``$``, the rest stays as written."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        following = text[i + 1]
        if following == "$":
            out.append("$")
            i += 2
        elif following == "(":
            close = text.find(")", i + 2)
            if close == -1:
                out.append(text[i:])
                break
            name = text[i + 2 : close]
            out.append(variables[name] if name in variables else text[i : close + 1])
            i = close + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def field_value(pod: Obj, path: str, pod_ip: str, host_ip: str) -> str:
    """The value of a downward API ``fieldRef``; ValueError for a path upstream does not support."""
    meta: Obj = pod.get("metadata") or {}
    spec: Obj = pod.get("spec") or {}
    subscript = _SUBSCRIPT.match(path)
    if subscript:
        return str((meta.get(subscript.group(1)) or {}).get(subscript.group(2), ""))
    simple: dict[str, Callable[[], Any]] = {
        "metadata.name": lambda: meta.get("name", ""),
        "metadata.namespace": lambda: meta.get("namespace", ""),
        "metadata.uid": lambda: meta.get("uid", ""),
        "metadata.labels": lambda: _format_map(meta.get("labels") or {}),
        "metadata.annotations": lambda: _format_map(meta.get("annotations") or {}),
        "spec.nodeName": lambda: spec.get("nodeName", ""),
        "spec.serviceAccountName": lambda: spec.get("serviceAccountName", ""),
        "status.podIP": lambda: pod_ip,
        "status.podIPs": lambda: pod_ip,
        "status.hostIP": lambda: host_ip,
        "status.hostIPs": lambda: host_ip,
    }
    if path not in simple:
        raise ValueError(f"unsupported fieldPath: {path}")
    return str(simple[path]())


def _format_map(values: Mapping[str, str]) -> str:
    """The downward API's labels/annotations file: ``key="value"`` lines, sorted."""
    return "\n".join(f'{key}="{_escape(str(value))}"' for key, value in sorted(values.items()))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def resource_value(container: Obj, resource: str, divisor: Any, node_allocatable: Mapping[str, str]) -> str:
    """A ``resourceFieldRef``: the container's limit (the node's allocatable when unset) or request, over divisor."""
    kind, _, name = resource.partition(".")
    resources: Obj = container.get("resources") or {}
    value = (resources.get(kind) or {}).get(name)
    if value is None:
        value = node_allocatable.get(name, "0") if kind == "limits" else "0"
    try:
        amount = parse_quantity(str(value))
        unit = parse_quantity(str(divisor)) if divisor not in (None, "", 0, "0") else Decimal(1)
    except QuantityError as error:
        raise ConfigError(str(error)) from None
    return str(int((amount / unit).to_integral_value(rounding=ROUND_CEILING)))


def _data(obj: Obj, kind: str) -> dict[str, str]:
    if kind == "secrets":
        decoded = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (obj.get("data") or {}).items()}
        return {**decoded, **(obj.get("stringData") or {})}
    binary = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in (obj.get("binaryData") or {}).items()}
    return {**binary, **(obj.get("data") or {})}


_KIND_WORD = {"configmaps": "configmap", "secrets": "secret"}
_KIND_NAME = {"configmaps": "ConfigMap", "secrets": "Secret"}


def _key_ref(ref: Obj, kind: str, namespace: str, lookup: Lookup) -> str | None:
    name, key = ref.get("name", ""), ref.get("key", "")
    obj = lookup(kind, name)
    if obj is None:
        if ref.get("optional"):
            return None
        raise ConfigError(f'{_KIND_WORD[kind]} "{name}" not found')
    data = _data(obj, kind)
    if key not in data:
        if ref.get("optional"):
            return None
        raise ConfigError(f"couldn't find key {key} in {_KIND_NAME[kind]} {namespace}/{name}")
    return data[key]


def container_env(
    pod: Obj,
    container: Obj,
    image_env: Sequence[str],
    lookup: Lookup,
    pod_ip: str,
    host_ip: str,
    node_allocatable: Mapping[str, str],
) -> list[tuple[str, str]]:
    """The environment a container's process starts with, in upstream's order and precedence."""
    namespace = (pod.get("metadata") or {}).get("namespace", "")
    env: dict[str, str] = {}
    for entry in image_env:
        name, _, value = entry.partition("=")
        env[name] = value
    defined: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for kind, ref_field in (("configmaps", "configMapRef"), ("secrets", "secretRef")):
            ref = source.get(ref_field)
            if ref is None:
                continue
            obj = lookup(kind, ref.get("name", ""))
            if obj is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{_KIND_WORD[kind]} "{ref.get("name", "")}" not found')
            for key, value in _data(obj, kind).items():
                defined[prefix + key] = value
    for var in container.get("env") or []:
        name = var.get("name", "")
        source = var.get("valueFrom")
        if source is None:
            defined[name] = expand(str(var.get("value", "")), {**env, **defined})
            continue
        resolved: str | None
        if "fieldRef" in source:
            resolved = field_value(pod, source["fieldRef"].get("fieldPath", ""), pod_ip, host_ip)
        elif "resourceFieldRef" in source:
            ref = source["resourceFieldRef"]
            target = container
            if ref.get("containerName"):
                named = [
                    c for c in (pod.get("spec") or {}).get("containers") or [] if c.get("name") == ref["containerName"]
                ]
                target = named[0] if named else container
            resolved = resource_value(target, ref.get("resource", ""), ref.get("divisor"), node_allocatable)
        elif "configMapKeyRef" in source:
            resolved = _key_ref(source["configMapKeyRef"], "configmaps", namespace, lookup)
        elif "secretKeyRef" in source:
            resolved = _key_ref(source["secretKeyRef"], "secrets", namespace, lookup)
        else:
            resolved = None
        if resolved is not None:
            defined[name] = resolved
    env.update(defined)
    return list(env.items())
