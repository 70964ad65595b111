"""One cgroup per container, for cgroup v1 (memory, cpu, pids hierarchies) or v2, detected at run time.

Groups are made under this process's own cgroup, in a ``jobyard`` child, so a
server confined by its supervisor stays confined, and limits are written as the
kubelet and runc write them: CFS quota over a 100 ms period, shares (v1) or
weight (v2) from the CPU request, no swap beyond the memory limit.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from ._spec import Limits

__all__ = ["CgroupError", "Cgroups", "ContainerCgroup", "V1Cgroups", "V2Cgroups", "detect_cgroups"]

CFS_PERIOD_US = 100_000
# The kubelet's floor for a CFS quota, and its shares for a container without a CPU request.
MIN_QUOTA_US = 1_000
MIN_SHARES = 2
MAX_SHARES = 262_144
_V1_CONTROLLERS = ("memory", "cpu", "pids")
_REMOVE_ATTEMPTS = 50


class CgroupError(RuntimeError):
    pass


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read_keyed(path: Path) -> dict[str, int]:
    """Lines of ``key value`` (memory.oom_control, memory.events)."""
    values = {}
    try:
        text = path.read_text()
    except OSError:
        return {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[key] = int(value)
    return values


def cpu_shares(request_millis: int | None) -> int:
    """cgroup v1 cpu.shares for a CPU request, as the kubelet computes them."""
    if not request_millis:
        return MIN_SHARES
    return max(MIN_SHARES, min(MAX_SHARES, request_millis * 1024 // 1000))


def cpu_weight(request_millis: int | None) -> int:
    """cgroup v2 cpu.weight: runc's conversion of the same shares."""
    return 1 + ((cpu_shares(request_millis) - MIN_SHARES) * 9999) // (MAX_SHARES - MIN_SHARES)


def cpu_quota_us(limit_millis: int) -> int:
    return max(MIN_QUOTA_US, limit_millis * CFS_PERIOD_US // 1000)


@dataclass(frozen=True)
class ContainerCgroup:
    """A container's group: one directory per v1 hierarchy, or one v2 directory."""

    name: str
    directories: tuple[Path, ...]
    memory_directory: Path
    version: int

    @property
    def procs_files(self) -> tuple[Path, ...]:
        """Files a process writes its pid into to join the group (before it execs the command)."""
        return tuple(directory / "cgroup.procs" for directory in self.directories)

    def join(self, pid: int) -> None:
        for procs in self.procs_files:
            _write(procs, str(pid))

    def oom_killed(self) -> bool:
        """Whether the kernel's OOM killer killed a process of this group."""
        if self.version == 2:
            return _read_keyed(self.memory_directory / "memory.events").get("oom_kill", 0) > 0
        control = _read_keyed(self.memory_directory / "memory.oom_control")
        if "oom_kill" in control:
            return control["oom_kill"] > 0
        return control.get("under_oom", 0) > 0

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            try:
                found.update(int(line) for line in procs.read_text().split())
            except OSError:
                continue
        return sorted(found)

    def remove(self) -> None:
        """Kill what is left in the group and remove its directories."""
        kill_file = self.directories[0] / "cgroup.kill"
        for _ in range(_REMOVE_ATTEMPTS):
            if self.version == 2 and kill_file.exists():
                try:
                    _write(kill_file, "1")
                except OSError:
                    pass
            else:
                for pid in self.pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        continue
            remaining = [directory for directory in self.directories if directory.exists()]
            for directory in remaining:
                try:
                    directory.rmdir()
                except OSError as error:
                    if error.errno not in (errno.EBUSY, errno.ENOENT):
                        raise
            if not any(directory.exists() for directory in self.directories):
                return
            time.sleep(0.02)
        raise CgroupError(f"cgroup {self.name} still has processes: {self.pids()}")


class Cgroups(ABC):
    version: int

    @abstractmethod
    def create(self, name: str, limits: Limits) -> ContainerCgroup:
        """A new group ``name`` with ``limits`` applied; an existing one is replaced."""

    @abstractmethod
    def group(self, name: str) -> ContainerCgroup:
        """The group ``name`` (which may not exist)."""

    @abstractmethod
    def names(self) -> set[str]:
        """Groups that exist now, by name: what an earlier run may have left."""


class V1Cgroups(Cgroups):
    version = 1

    def __init__(self, bases: dict[str, Path]) -> None:
        # Per controller: the directory holding the containers' groups.
        self.bases = bases

    def group(self, name: str) -> ContainerCgroup:
        return ContainerCgroup(
            name, tuple(base / name for base in self.bases.values()), self.bases["memory"] / name, version=1
        )

    def names(self) -> set[str]:
        return {
            child.name for base in self.bases.values() if base.is_dir() for child in base.iterdir() if child.is_dir()
        }

    def create(self, name: str, limits: Limits) -> ContainerCgroup:
        group = self.group(name)
        if any(directory.exists() for directory in group.directories):
            group.remove()
        for directory in group.directories:
            directory.mkdir(parents=True)
        memory, cpu, pids = (self.bases[controller] / name for controller in _V1_CONTROLLERS)
        if limits.memory_bytes is not None:
            _write(memory / "memory.limit_in_bytes", str(limits.memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():
                _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
        _write(cpu / "cpu.shares", str(cpu_shares(limits.cpu_request_millis)))
        if limits.cpu_millis is not None:
            _write(cpu / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(cpu / "cpu.cfs_quota_us", str(cpu_quota_us(limits.cpu_millis)))
        if limits.pids is not None:
            _write(pids / "pids.max", str(limits.pids))
        return group


class V2Cgroups(Cgroups):
    version = 2

    def __init__(self, base: Path) -> None:
        self.base = base

    def group(self, name: str) -> ContainerCgroup:
        return ContainerCgroup(name, (self.base / name,), self.base / name, version=2)

    def names(self) -> set[str]:
        if not self.base.is_dir():
            return set()
        return {child.name for child in self.base.iterdir() if child.is_dir()}

    def create(self, name: str, limits: Limits) -> ContainerCgroup:
        group = self.group(name)
        directory = group.directories[0]
        if directory.exists():
            group.remove()
        directory.mkdir()
        if limits.memory_bytes is not None:
            _write(directory / "memory.max", str(limits.memory_bytes))
            if (directory / "memory.swap.max").exists():
                _write(directory / "memory.swap.max", "0")
        _write(directory / "cpu.weight", str(cpu_weight(limits.cpu_request_millis)))
        if limits.cpu_millis is not None:
            _write(directory / "cpu.max", f"{cpu_quota_us(limits.cpu_millis)} {CFS_PERIOD_US}")
        if limits.pids is not None:
            _write(directory / "pids.max", str(limits.pids))
        return group


def _own_cgroups() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its v2 path."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _cgroup_mounts() -> list[tuple[str, Path, str, set[str]]]:
    """(filesystem type, mount point, root inside the hierarchy, super options) of cgroup mounts."""
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if tail and tail[0] in ("cgroup", "cgroup2"):
            options = set(tail[2].split(",")) if len(tail) > 2 else set()
            mounts.append((tail[0], Path(fields[4].replace("\\040", " ")), fields[3], options))
    return mounts


def _under(mount_point: Path, mount_root: str, path: str) -> Path:
    relative = os.path.relpath(path, mount_root) if mount_root != "/" else path.lstrip("/")
    return mount_point / relative if relative != "." else mount_point


def detect_cgroups(group: str = "jobyard") -> Cgroups:
    """The cgroup version in use here, with containers' groups under ``<own cgroup>/<group>``."""
    own = _own_cgroups()
    mounts = _cgroup_mounts()
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        mount_point, mount_root = next(((point, root) for kind, point, root, _ in mounts if kind == "cgroup2"))
        return V2Cgroups(_prepare_v2(_under(mount_point, mount_root, own.get("", "/")), group))
    bases = {}
    for controller in _V1_CONTROLLERS:
        found = [(point, root) for kind, point, root, options in mounts if kind == "cgroup" and controller in options]
        if not found or controller not in own:
            raise CgroupError(f"cgroup v1 controller {controller!r} is not mounted")
        point, root = found[0]
        base = _under(point, root, own[controller]) / group
        try:
            base.mkdir(exist_ok=True)
        except OSError as error:
            raise CgroupError(f"cannot create cgroup {base}: {error.strerror}") from error
        bases[controller] = base
    return V1Cgroups(bases)


def _prepare_v2(own: Path, group: str) -> Path:
    """Make ``own/group`` able to hold limited children.

    cgroup v2 lets a group hand controllers to its children only while it holds no
    processes itself; when the server sits in ``own``, it moves into ``own/server`` first.
    """
    wanted = {"memory", "cpu", "pids"}
    available = set((own / "cgroup.controllers").read_text().split())
    if not wanted <= available:
        raise CgroupError(f"cgroup v2 controllers {sorted(wanted - available)} are not delegated to {own}")
    enable = " ".join(f"+{controller}" for controller in sorted(wanted))
    try:
        _write(own / "cgroup.subtree_control", enable)
    except OSError as error:
        if error.errno != errno.EBUSY:
            raise CgroupError(f"cannot enable controllers in {own}: {error.strerror}") from error
        leaf = own / "server"
        leaf.mkdir(exist_ok=True)
        for pid in (own / "cgroup.procs").read_text().split():
            try:
                _write(leaf / "cgroup.procs", pid)
            except ProcessLookupError:
                continue
        _write(own / "cgroup.subtree_control", enable)
    base = own / group
    base.mkdir(exist_ok=True)
    _write(base / "cgroup.subtree_control", enable)
    return base
