"""The process runtime: containers as plain processes, for machines that cannot sandbox.

It isolates nothing: no namespaces, no limits, the host's network and
processes in view. As root it runs the image's own files, chrooted into an
overlay of the layers with the volumes bound in; otherwise it runs the command
from the host's PATH in an empty working directory, and volumes are not shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from . import _rootfs
from ._spec import ContainerSpec, ExecResult, PodSandbox, RunningContainer, StartError
from ._supervise import SupervisedContainer, run_captured

__all__ = ["ProcessRuntime"]

logger = logging.getLogger(__name__)


class ProcessRuntime:
    name = "process"
    isolates = False

    def __init__(self, state_dir: Path) -> None:
        logger.warning(
            "the process runtime does NOT isolate containers: they run as plain processes of this host, "
            "see its files, processes and network, and have no resource limits; use it only for trusted images"
        )
        self.containers_dir = state_dir / "containers"
        self.containers_dir.mkdir(parents=True, exist_ok=True)
        self._as_root = os.geteuid() == 0
        self._containers: dict[str, SupervisedContainer] = {}

    async def create_sandbox(self, pod_uid: str, hostname: str) -> PodSandbox:
        return PodSandbox(pod_uid=pod_uid, hostname=hostname, ip="127.0.0.1")

    async def remove_sandbox(self, sandbox: PodSandbox) -> None:
        return None

    async def start(self, sandbox: PodSandbox, spec: ContainerSpec) -> RunningContainer:
        await self.remove(spec.id)
        directory = self.containers_dir / spec.id
        try:
            preexec, cwd = self._prepare(spec, directory)
            process = await asyncio.create_subprocess_exec(
                *spec.argv,
                stdin=asyncio.subprocess.PIPE if spec.stdin else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=dict(spec.env),
                cwd=cwd,
                preexec_fn=preexec,
                start_new_session=True,
            )
        except BaseException:
            self._remove_files(directory)
            raise
        container = SupervisedContainer(spec, process, process.pid, oom_killed=lambda: False)
        self._containers[spec.id] = container
        return container

    async def exec(self, container: RunningContainer, argv: Sequence[str], timeout: float) -> ExecResult:
        running = self._containers.get(container.id)
        if running is None or not running.running:
            return ExecResult(exit_code=126, output=b"cannot exec in a stopped container\n")
        spec = running.spec
        directory = self.containers_dir / spec.id
        if self._as_root:
            return await run_captured(argv, dict(spec.env), timeout, _enter_root(spec, directory / "rootfs"))
        return await run_captured(argv, dict(spec.env), timeout, cwd=directory / "work")

    async def remove(self, container_id: str) -> None:
        container = self._containers.pop(container_id, None)
        if container is not None and container.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(container.pid, signal.SIGKILL)
            await container.wait()
        self._remove_files(self.containers_dir / container_id)

    async def cleanup_orphans(self, keep: set[str]) -> None:
        for path in self.containers_dir.iterdir():
            if path.name not in keep and path.name not in self._containers:
                self._remove_files(path)

    async def remove_all(self) -> None:
        for container_id in list(self._containers):
            await self.remove(container_id)
        await self.cleanup_orphans(set())

    def _prepare(self, spec: ContainerSpec, directory: Path) -> tuple[Callable[[], None] | None, Path | None]:
        env = dict(spec.env)
        if not self._as_root:
            work = directory / "work"
            work.mkdir(parents=True)
            if shutil.which(spec.argv[0], path=env.get("PATH", _rootfs.DEFAULT_PATH)) is None:
                raise StartError(f'exec: "{spec.argv[0]}": executable file not found in $PATH', exit_code=127)
            if spec.mounts:
                logger.warning("process runtime without root: volumes of container %s are not shown", spec.id)
            return None, work
        rootfs = directory / "rootfs"
        for name in ("upper", "work", "rootfs"):
            (directory / name).mkdir(parents=True)
        _rootfs.mount_overlay(spec.layers, directory / "upper", directory / "work", rootfs)
        _rootfs.find_executable(rootfs, spec.argv[0], env, spec.working_dir or "/")
        _rootfs.ensure_directory(rootfs, spec.working_dir or "/")
        for mount in spec.mounts:
            _rootfs.ensure_mountpoint(rootfs, mount.target, mount.source)
            _rootfs.bind_mount(mount.source, _rootfs.resolve_in_root(rootfs, mount.target), mount.read_only)
        return _enter_root(spec, rootfs), None

    def _remove_files(self, directory: Path) -> None:
        rootfs = directory / "rootfs"
        while _rootfs.is_mountpoint(rootfs):
            _rootfs.unmount(rootfs)
        _rootfs.remove_tree(directory)


def _enter_root(spec: ContainerSpec, rootfs: Path) -> Callable[[], None]:
    security = spec.security

    def enter() -> None:
        os.chroot(rootfs)
        os.chdir(spec.working_dir or "/")
        os.setgroups(list(security.supplementary_gids))
        os.setresgid(security.gid, security.gid, security.gid)
        os.setresuid(security.uid, security.uid, security.uid)

    return enter
