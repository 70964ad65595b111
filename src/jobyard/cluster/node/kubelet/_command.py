"""What a container runs and as whom: command/args over the image's Entrypoint/Cmd, and the user."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._env import ConfigError, expand

__all__ = ["container_argv", "image_user", "resolve_user"]

Obj = dict[str, Any]


def container_argv(
    container: Obj, entrypoint: Sequence[str], cmd: Sequence[str], env: Mapping[str, str]
) -> tuple[str, ...]:
    """Upstream's rule: ``command`` replaces Entrypoint (and drops Cmd), ``args`` replaces Cmd; ``$(VAR)`` expands."""
    command = container.get("command")
    args = container.get("args")
    if command:
        argv = [*command, *(args or [])]
    else:
        argv = [*entrypoint, *(args if args else cmd)]
    if not argv:
        raise ConfigError("no command specified")
    return tuple(expand(str(part), env) for part in argv)


def _lookup_id(layers: Sequence[Path], file: str, name: str) -> tuple[int, int] | None:
    """``(id, primary gid)`` of a user (or group) named in the image's /etc/passwd (/etc/group)."""
    for layer in reversed(layers):
        path = layer / "etc" / file
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split(":")
            if len(fields) >= 3 and fields[0] == name:
                try:
                    return int(fields[2]), int(fields[3]) if len(fields) > 3 and fields[3].isdigit() else int(fields[2])
                except ValueError:
                    return None
        return None
    return None


def image_user(user: str, layers: Sequence[Path]) -> tuple[int, int | None]:
    """The image config's ``User`` (``uid``, ``name``, ``uid:gid``, ``name:group``) as numbers."""
    if not user:
        return 0, None
    name, _, group = user.partition(":")
    gid: int | None = None
    if name.isdigit():
        uid = int(name)
    else:
        found = _lookup_id(layers, "passwd", name)
        if found is None:
            raise ConfigError(f"unable to find user {name}: no matching entries in passwd file")
        uid, gid = found
    if group:
        if group.isdigit():
            gid = int(group)
        else:
            found_group = _lookup_id(layers, "group", group)
            if found_group is None:
                raise ConfigError(f"unable to find group {group}: no matching entries in group file")
            gid = found_group[0]
    return uid, gid


def _first_set(*values: Any) -> int:
    return int(next(value for value in values if value is not None))


def resolve_user(
    pod: Obj, container: Obj, image_user_field: str, layers: Sequence[Path]
) -> tuple[int, int, tuple[int, ...]]:
    """uid, gid and supplementary groups: the container's securityContext over the pod's over the image's."""
    pod_context: Obj = (pod.get("spec") or {}).get("securityContext") or {}
    context: Obj = container.get("securityContext") or {}
    image_uid, image_gid = image_user(image_user_field, layers)
    uid = _first_set(context.get("runAsUser"), pod_context.get("runAsUser"), image_uid)
    gid = _first_set(context.get("runAsGroup"), pod_context.get("runAsGroup"), image_gid, 0)
    if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) and uid == 0:
        meta = pod.get("metadata") or {}
        raise ConfigError(
            f'container has runAsNonRoot and image will run as root (pod: "{meta.get("name")}_{meta.get("namespace")}'
            f'({meta.get("uid")})", container: {container.get("name")})'
        )
    groups = [int(g) for g in pod_context.get("supplementalGroups") or []]
    if pod_context.get("fsGroup") is not None:
        groups.append(int(pod_context["fsGroup"]))
    return uid, gid, tuple(dict.fromkeys(groups))
