"""The sandbox runtime: each container is a bubblewrap sandbox on an overlay of its image, in its own cgroup.

What a container gets:

- its root is an overlay of the image layers with a private upper layer under
  ``state_dir/containers/<id>`` (``readOnlyRootFilesystem`` remounts it read-only);
- new mount, PID, IPC and UTS namespaces, its own ``/proc``, a minimal ``/dev``
  (the host's devices when privileged) and a ``/dev/shm`` tmpfs; the network
  namespace is the pod's (from the network provider), or the host's;
- the command runs as PID 1 (``--as-pid-1``): a SIGTERM it does not handle is
  ignored, as in Docker and Kubernetes;
- only ``spec.env`` as environment;
- capabilities as containerd gives them (the default set, cap_add/cap_drop,
  all when privileged);
- a cgroup with its limits, joined before the command execs, so every process of
  the container is counted.

Starting one must cost the server little: any ``preexec_fn`` (or user or group
change) makes Python fork() the whole server, copying its page tables, where it
otherwise uses vfork(). So the server moves bwrap and its sandboxed child into
the cgroup itself, while the child waits on ``--block-fd`` with its namespaces
and mounts set up but the command not yet exec'd; and credentials are changed
by setpriv(1), exec'd in front of bwrap.

Users: bwrap as root cannot change user without a user namespace, which would
show every file of the image as owned by ``nobody``. A non-root container
instead starts bwrap with real uid = the container's and effective uid 0, the
setuid mode bwrap was built for: it sets up the sandbox with just the
privileges it needs and runs the command as the real uid, with no capabilities
and an empty bounding set. Groups are set before bwrap starts; it keeps them.

bwrap always sets ``no_new_privs``, so ``allowPrivilegeEscalation: true`` cannot
be honoured: setuid binaries and file capabilities never raise privileges.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import _rootfs
from ._caps import CAPABILITIES, effective_capabilities
from ._spec import (
    ContainerSpec,
    ExecResult,
    NetworkProvider,
    PodSandbox,
    RunningContainer,
    Security,
    StartError,
)
from ._supervise import SupervisedContainer, run_captured
from .cgroups import Cgroups, ContainerCgroup, detect_cgroups
from .host_network import HostNetwork

__all__ = ["SandboxContainer", "SandboxRuntime"]

_ENTER_SCRIPT = Path(__file__).with_name("_enter.py")
_MOUNTS_ROOT = Path("/run/jobyard-sandbox")
# Mount points every container needs, made in its upper layer when the image lacks them.
_SYSTEM_MOUNTPOINTS = ("/proc", "/dev", "/tmp")
_EXEC_WAIT_SECONDS = 5.0


class SandboxContainer(SupervisedContainer):
    def __init__(
        self,
        spec: ContainerSpec,
        process: asyncio.subprocess.Process,
        pid: int,
        cgroup: ContainerCgroup,
        sandbox: PodSandbox,
    ) -> None:
        super().__init__(spec, process, pid, cgroup.oom_killed)
        self.cgroup = cgroup
        self.sandbox = sandbox


class SandboxRuntime:
    """Runs containers with bubblewrap, overlayfs and cgroups; needs root."""

    name = "sandbox"
    isolates = True

    def __init__(
        self,
        state_dir: Path,
        network: NetworkProvider | None = None,
        cgroups: Cgroups | None = None,
    ) -> None:
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise RuntimeError("the sandbox runtime needs bubblewrap: install the Debian package 'bubblewrap'")
        nsenter = shutil.which("nsenter")
        setpriv = shutil.which("setpriv")
        if nsenter is None or setpriv is None:
            raise RuntimeError("the sandbox runtime needs nsenter and setpriv: install the Debian package 'util-linux'")
        if os.geteuid() != 0:
            raise RuntimeError("the sandbox runtime must run as root (it mounts overlays and creates cgroups)")
        self._bwrap = bwrap
        self._bwrap_binary = os.path.realpath(bwrap)
        self._nsenter = nsenter
        self._setpriv = setpriv
        self.state_dir = state_dir
        self.containers_dir = state_dir / "containers"
        self.containers_dir.mkdir(parents=True, exist_ok=True)
        # Root filesystems are mounted outside the state dir, which may be closed to other users (0700):
        # a non-root container's bwrap resolves its root as that user.
        instance = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:16]
        self.mounts_dir = _MOUNTS_ROOT / instance
        for directory in (_MOUNTS_ROOT, self.mounts_dir):
            directory.mkdir(mode=0o711, exist_ok=True)
            directory.chmod(0o711)
        self.network: NetworkProvider = network if network is not None else HostNetwork()
        # Per state dir, like the mounts: a node cleaning up after its own crash must never
        # touch the containers of another cluster on this host.
        self.cgroups = cgroups if cgroups is not None else detect_cgroups(f"jobyard-{instance}")
        self._containers: dict[str, SandboxContainer] = {}

    async def create_sandbox(self, pod_uid: str, hostname: str) -> PodSandbox:
        netns, ip = await self.network.setup(pod_uid)
        return PodSandbox(pod_uid=pod_uid, hostname=hostname, ip=ip, netns=netns)

    async def remove_sandbox(self, sandbox: PodSandbox) -> None:
        await self.network.teardown(sandbox.pod_uid)

    async def start(self, sandbox: PodSandbox, spec: ContainerSpec) -> RunningContainer:
        if spec.id in self._containers:
            await self.remove(spec.id)
        rootfs = self._rootfs_path(spec.id)
        preparing = asyncio.ensure_future(asyncio.to_thread(self._prepare, spec, rootfs))
        try:
            cgroup = await asyncio.shield(preparing)
        except asyncio.CancelledError:
            # The thread goes on regardless: undo what it made once it is done.
            await asyncio.wait([preparing])
            await asyncio.to_thread(self._discard, spec.id)
            raise
        try:
            container = await self._spawn(sandbox, spec, rootfs, cgroup)
        except BaseException:
            await asyncio.to_thread(self._discard, spec.id)
            raise
        self._containers[spec.id] = container
        return container

    async def exec(self, container: RunningContainer, argv: Sequence[str], timeout: float) -> ExecResult:
        running = self._containers.get(container.id)
        if running is None or not running.running:
            return ExecResult(exit_code=126, output=b"cannot exec in a stopped container\n")
        await self._until_exec(running)
        security = running.spec.security
        capabilities = None if security.privileged else effective_capabilities(security)
        request = {
            "pid": running.pid,
            "uid": security.uid,
            "gid": security.gid,
            "groups": list(security.supplementary_gids),
            "caps": None if capabilities is None else sorted(CAPABILITIES[name] for name in capabilities),
            "cwd": running.spec.working_dir or "/",
            "argv": list(argv),
            "cgroup_procs": [str(path) for path in running.cgroup.procs_files],
        }
        return await run_captured(
            [sys.executable, "-I", "-S", str(_ENTER_SCRIPT), json.dumps(request)],
            dict(running.spec.env),
            timeout,
        )

    async def _until_exec(self, container: SandboxContainer) -> None:
        """Wait until bwrap's child has exec'd the command (for at most a few seconds).

        start() releases the child before it has built the container's root, and a probe or
        postStart hook run at once would enter the empty root bwrap builds it in.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _EXEC_WAIT_SECONDS
        while container.running and loop.time() < deadline:
            try:
                if os.readlink(f"/proc/{container.pid}/exe") != self._bwrap_binary:
                    return
            except OSError:
                return
            await asyncio.sleep(0.005)

    async def remove(self, container_id: str) -> None:
        container = self._containers.pop(container_id, None)
        if container is not None and container.running:
            container.signal(signal.SIGKILL)
            await container.wait()
        await asyncio.to_thread(self._discard, container_id)

    async def cleanup_orphans(self, keep: set[str]) -> None:
        for container_id in sorted(self._leftovers() - keep - set(self._containers)):
            await self.remove(container_id)

    async def remove_all(self) -> None:
        # Roots left mounted would stay in the host's mount table for good, and every later
        # bwrap on the host copies that table: a test suite's leftovers made bwrap 2x slower.
        for container_id in sorted(self._leftovers() | set(self._containers)):
            await self.remove(container_id)
        with contextlib.suppress(OSError):
            self.mounts_dir.rmdir()

    def _leftovers(self) -> set[str]:
        """Containers that left files, mounts or a cgroup."""
        names = {path.name for path in (*self.containers_dir.iterdir(), *self.mounts_dir.iterdir())}
        return names | self.cgroups.names()

    def _rootfs_path(self, container_id: str) -> Path:
        return self.mounts_dir / container_id / "root"

    # Preparing and discarding a container are dozens of mount, mkdir and cgroup calls: run
    # in the event loop, they held up every other pod's work.

    def _prepare(self, spec: ContainerSpec, rootfs: Path) -> ContainerCgroup:
        """The container's root filesystem and cgroup (in a worker thread); nothing is left of a failure."""
        try:
            self._prepare_root(spec, self.containers_dir / spec.id, rootfs)
            return self.cgroups.create(spec.id, spec.limits)
        except BaseException:
            self._discard(spec.id)
            raise

    def _discard(self, container_id: str) -> None:
        """Remove the container's cgroup and files (in a worker thread)."""
        self.cgroups.group(container_id).remove()
        self._remove_files(container_id)

    def _prepare_root(self, spec: ContainerSpec, directory: Path, rootfs: Path) -> None:
        self._remove_files(spec.id)
        for name in ("upper", "work"):
            (directory / name).mkdir(parents=True)
        # Only root and the container's user may pass through the directory above the rootfs.
        rootfs.parent.mkdir(mode=0o700)
        os.chown(rootfs.parent, spec.security.uid, spec.security.gid)
        rootfs.mkdir()
        _rootfs.mount_overlay(spec.layers, directory / "upper", directory / "work", rootfs)
        env = dict(spec.env)
        _rootfs.find_executable(rootfs, spec.argv[0], env, spec.working_dir or "/")
        for mountpoint in _SYSTEM_MOUNTPOINTS:
            _rootfs.ensure_directory(rootfs, mountpoint)
        _rootfs.ensure_directory(rootfs, spec.working_dir or "/")
        for mount in spec.mounts:
            if not mount.source.exists():
                raise StartError(
                    f"failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                    f'error mounting "{mount.source}" to rootfs at "{mount.target}": no such file or directory'
                )
            _rootfs.ensure_mountpoint(rootfs, mount.target, mount.source)
            _rootfs.bind_mount(mount.source, _rootfs.resolve_in_root(rootfs, mount.target), mount.read_only)

    def _bwrap_argv(
        self, sandbox: PodSandbox, spec: ContainerSpec, rootfs: Path, info_fd: int, block_fd: int
    ) -> list[str]:
        security = spec.security
        # bwrap writes {"child-pid": N} to the info fd: the container's PID 1 as the host sees it.
        # Volumes are already bound inside rootfs, and --bind is recursive.
        argv = [self._bwrap, "--info-fd", str(info_fd), "--block-fd", str(block_fd)]
        argv += ["--bind", str(rootfs), "/", "--proc", "/proc"]
        if security.privileged:
            argv += ["--dev-bind", "/dev", "/dev"]
        else:
            argv += ["--dev", "/dev", "--perms", "1777", "--tmpfs", "/dev/shm"]
        if security.read_only_root:
            argv += ["--remount-ro", "/"]
        argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--as-pid-1", "--die-with-parent", "--new-session"]
        hostname = spec.hostname or sandbox.hostname
        if hostname:
            argv += ["--hostname", hostname]
        # In setuid mode (a non-root container) bwrap drops every capability itself and refuses --cap-*.
        if security.uid == 0 and not security.privileged:
            argv += ["--cap-drop", "ALL"]
            for name in sorted(effective_capabilities(security)):
                argv += ["--cap-add", f"CAP_{name}"]
        argv += ["--chdir", spec.working_dir or "/", "--", *spec.argv]
        argv = [*self._credentials_argv(security), *argv]
        if sandbox.netns is not None:
            argv = [self._nsenter, f"--net={sandbox.netns}", "--", *argv]
        return argv

    def _credentials_argv(self, security: Security) -> list[str]:
        """setpriv giving bwrap the container's user and groups, or nothing when the server's already are."""
        groups = sorted(security.supplementary_gids)
        if security.uid == 0 and os.getresgid() == (security.gid,) * 3 and sorted(os.getgroups()) == groups:
            return []
        argv = [self._setpriv, f"--regid={security.gid}"]
        argv.append(f"--groups={','.join(map(str, groups))}" if groups else "--clear-groups")
        if security.uid != 0:
            argv += [f"--ruid={security.uid}", "--euid=0"]
        return [*argv, "--"]

    async def _spawn(
        self, sandbox: PodSandbox, spec: ContainerSpec, rootfs: Path, cgroup: ContainerCgroup
    ) -> SandboxContainer:
        info_read, info_write = os.pipe()
        block_read, block_write = os.pipe()
        with os.fdopen(info_read, "rb") as info_pipe, os.fdopen(block_write, "wb", buffering=0) as release:
            try:
                process = await asyncio.create_subprocess_exec(
                    *self._bwrap_argv(sandbox, spec, rootfs, info_write, block_read),
                    stdin=asyncio.subprocess.PIPE if spec.stdin else asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    env=dict(spec.env),
                    pass_fds=(info_write, block_read),
                    start_new_session=True,
                )
            finally:
                os.close(info_write)
                os.close(block_read)
            try:
                pid = await _child_pid(process, info_pipe)
                await asyncio.to_thread(_join, cgroup, (process.pid, pid))
            except BaseException:
                # Outside its cgroup, the sandbox would escape start()'s cleanup and run the command once
                # the block fd closes; until released, bwrap's child is still in bwrap's process group.
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                raise
            # A byte rather than just closing: a copy of this end inherited elsewhere cannot hold the container back.
            with contextlib.suppress(BrokenPipeError):
                release.write(b"\0")
        return SandboxContainer(spec, process, pid, cgroup, sandbox)

    def _remove_files(self, container_id: str) -> None:
        rootfs = self._rootfs_path(container_id)
        while _rootfs.is_mountpoint(rootfs):
            _rootfs.unmount(rootfs)
        _rootfs.remove_tree(rootfs.parent)
        _rootfs.remove_tree(self.containers_dir / container_id)


def _join(cgroup: ContainerCgroup, pids: tuple[int, ...]) -> None:
    """Move the processes into the container's cgroup (a cgroup v1 move can wait on the kernel)."""
    for pid in pids:
        # bwrap or its child may have died already (a failed mount, say): its exit reports that.
        with contextlib.suppress(ProcessLookupError):
            cgroup.join(pid)


async def _child_pid(process: asyncio.subprocess.Process, info_pipe: object) -> int:
    """The container's PID 1 as the host sees it, from bwrap's info fd; a failed start is a StartError."""
    info = await _read_all(info_pipe)
    try:
        return int(json.loads(info)["child-pid"])
    except (ValueError, KeyError):
        stderr = await process.stderr.read() if process.stderr is not None else b""
        await process.wait()
        raise StartError(
            f"failed to create containerd task: failed to create shim task: OCI runtime create failed: "
            f"{stderr.decode(errors='replace').strip() or 'bwrap failed'}: unknown"
        ) from None


async def _read_all(pipe: object) -> bytes:
    """Everything written to a pipe until its writers close it, without blocking the loop."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        return await reader.read()
    finally:
        transport.close()
