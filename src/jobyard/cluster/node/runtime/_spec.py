"""What the kubelet asks a container runtime for, and what it gets back.

The kubelet resolves everything Kubernetes-shaped (command and args against
the image config, ``$(VAR)`` expansion, env sources, volumes, security
context, resources) into a :class:`ContainerSpec`; a runtime only has to run it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "ContainerExit",
    "ContainerSpec",
    "ExecResult",
    "Limits",
    "Mount",
    "NetworkProvider",
    "PodSandbox",
    "Runtime",
    "RunningContainer",
    "Security",
    "StartError",
]


@dataclass(frozen=True)
class Mount:
    """A host file or directory shown at ``target`` inside the container."""

    source: Path
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class Limits:
    """cgroup settings; None leaves a resource unlimited."""

    memory_bytes: int | None = None
    # CPU limit in millicores: CFS quota over a 100 ms period.
    cpu_millis: int | None = None
    # CPU request in millicores: relative weight (cpu.shares / cpu.weight).
    cpu_request_millis: int | None = None
    pids: int | None = None


@dataclass(frozen=True)
class Security:
    privileged: bool = False
    # Capability names as Kubernetes spells them, without CAP_ (e.g. "NET_ADMIN", "ALL").
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    no_new_privs: bool = False
    uid: int = 0
    gid: int = 0
    supplementary_gids: tuple[int, ...] = ()
    read_only_root: bool = False


@dataclass(frozen=True)
class ContainerSpec:
    # Unique on this node and safe as a file name.
    id: str
    # Unpacked image layer directories, lowest first; never written to.
    layers: tuple[Path, ...]
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    working_dir: str = "/"
    hostname: str = ""
    mounts: tuple[Mount, ...] = ()
    security: Security = field(default_factory=Security)
    limits: Limits = field(default_factory=Limits)
    # stdout and stderr go here, one CRI log line each (see node.logs), rotated at log_max_bytes
    # with log_max_files files kept, as the kubelet's containerLogMaxSize / containerLogMaxFiles.
    log_path: Path | None = None
    log_max_bytes: int = 10 * 1024 * 1024
    log_max_files: int = 5
    # Keep stdin open (spec.containers[].stdin); otherwise stdin is /dev/null.
    stdin: bool = False


@dataclass(frozen=True)
class PodSandbox:
    """What the containers of one pod share: network namespace and address."""

    pod_uid: str
    hostname: str
    ip: str
    # Network namespace to join; None means the host network.
    netns: Path | None = None


@dataclass(frozen=True)
class ContainerExit:
    exit_code: int
    # Upstream's terminated reasons: "Completed" (0), "Error", "OOMKilled".
    reason: str
    finished_at: float
    signal: int | None = None
    message: str = ""


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: bytes
    timed_out: bool = False


class StartError(Exception):
    """The container could not start: upstream's ``StartError`` with exit code 128,
    or 127 when the command was not found (``RunContainerError`` on the pod)."""

    def __init__(self, message: str, exit_code: int = 128) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class RunningContainer(Protocol):
    id: str
    pid: int
    started_at: float

    async def wait(self) -> ContainerExit: ...

    def signal(self, signum: int) -> None: ...

    def add_log_source(self, source: Callable[[Any, Callable[[], bool]], Awaitable[None]]) -> None:
        """Feed more lines into the container's log while it runs: ``source(log_writer, exited)``."""
        ...


class NetworkProvider(Protocol):
    """Gives each pod its network: a namespace to join (None: the host's) and the pod's IP."""

    async def setup(self, pod_uid: str) -> tuple[Path | None, str]: ...

    async def teardown(self, pod_uid: str) -> None: ...


class Runtime(Protocol):
    name: str
    # False for the process runtime, which must warn that it does not isolate.
    isolates: bool

    async def create_sandbox(self, pod_uid: str, hostname: str) -> PodSandbox: ...

    async def remove_sandbox(self, sandbox: PodSandbox) -> None: ...

    async def start(self, sandbox: PodSandbox, spec: ContainerSpec) -> RunningContainer: ...

    async def exec(self, container: RunningContainer, argv: Sequence[str], timeout: float) -> ExecResult: ...

    async def remove(self, container_id: str) -> None: ...

    async def cleanup_orphans(self, keep: set[str]) -> None:
        """Remove what containers of an earlier run left (mounts, cgroups, netns), but those in ``keep``."""
        ...

    async def remove_all(self) -> None:
        """Kill and remove every container, running or not, and their mounts: the node is stopping."""
        ...
