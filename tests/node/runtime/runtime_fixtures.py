"""A busybox image in two layers, a sandbox runtime on a temporary state dir, and a way to run one container."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jobyard.cluster.node.logs import read_logs
from jobyard.cluster.node.runtime import ContainerExit, ContainerSpec, PodSandbox, SandboxRuntime

BUSYBOX = Path("/bin/busybox")
PATH = ("PATH", "/usr/local/bin:/usr/bin:/bin")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "the sandbox runtime needs root"
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian package bubblewrap)"
    if not BUSYBOX.exists():
        return "/bin/busybox is missing (Debian package busybox-static)"
    return None


needs_sandbox = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@dataclass(frozen=True)
class Image:
    """Layer 1: busybox and its applets, /etc/motd and /etc/only-lower; layer 2 replaces /etc/motd."""

    layers: tuple[Path, ...]


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    base = tmp_path_factory.mktemp("image")
    lower, upper = base / "layer1", base / "layer2"
    (lower / "bin").mkdir(parents=True)
    shutil.copy2(BUSYBOX, lower / "bin" / "busybox")
    applets = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (lower / "bin" / applet).symlink_to("/bin/busybox")
    (lower / "etc").mkdir()
    (lower / "etc" / "motd").write_text("from layer 1\n")
    (lower / "etc" / "only-lower").write_text("lower\n")
    (lower / "tmp").mkdir(mode=0o1777)
    (lower / "tmp").chmod(0o1777)
    (upper / "etc").mkdir(parents=True)
    (upper / "etc" / "motd").write_text("from layer 2\n")
    return Image((lower, upper))


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[SandboxRuntime]:
    runtime = SandboxRuntime(tmp_path / "state")
    yield runtime
    # A fresh runtime sees every container of the test as an orphan, abandoned ones included.
    asyncio.run(SandboxRuntime(runtime.state_dir).cleanup_orphans(set()))
    runtime.mounts_dir.rmdir()


SANDBOX = PodSandbox(pod_uid="pod-1", hostname="pod-host", ip="127.0.0.1")


@dataclass
class Ran:
    exit: ContainerExit
    log: bytes
    lines: list[str] = field(default_factory=list)


_counter = iter(range(1_000_000))


def spec_for(image: Image, tmp_path: Path, *argv: str, **fields: object) -> ContainerSpec:
    container_id = str(fields.pop("id", f"c{next(_counter)}"))
    env: tuple[tuple[str, str], ...] = tuple(fields.pop("env", ())) or (PATH,)  # type: ignore[arg-type]
    return ContainerSpec(
        id=container_id,
        layers=image.layers,
        argv=argv,
        env=env,
        log_path=tmp_path / "logs" / f"{container_id}.log",
        **fields,  # type: ignore[arg-type]
    )


def run(runtime: SandboxRuntime, spec: ContainerSpec, sandbox: PodSandbox = SANDBOX, timeout: float = 20) -> Ran:
    """Start ``spec``, wait for it, remove it; the exit and what it printed."""

    async def scenario() -> ContainerExit:
        container = await runtime.start(sandbox, spec)
        try:
            return await asyncio.wait_for(container.wait(), timeout)
        finally:
            await runtime.remove(spec.id)

    exit = asyncio.run(scenario())
    assert spec.log_path is not None
    log = read_logs(spec.log_path)
    return Ran(exit, log, log.decode().splitlines())
