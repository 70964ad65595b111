"""What both runtimes do with a started process: pump its output into the log, and report how it ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from ..logs import LogWriter, pump
from ._spec import ContainerExit, ContainerSpec, ExecResult

# How long output may still arrive after a process ended (a background child may hold the pipe).
_DRAIN_SECONDS = 1.0


LogSource = Callable[[LogWriter, Callable[[], bool]], Awaitable[None]]


class SupervisedContainer:
    """A started container: ``pid`` is its main process as seen from the host."""

    def __init__(
        self,
        spec: ContainerSpec,
        process: asyncio.subprocess.Process,
        pid: int,
        oom_killed: Callable[[], bool],
    ) -> None:
        self.id = spec.id
        self.spec = spec
        self.pid = pid
        self.started_at = time.time()
        self._process = process
        self._oom_killed = oom_killed
        writer = LogWriter(spec.log_path, spec.log_max_bytes, spec.log_max_files) if spec.log_path is not None else None
        assert process.stdout is not None and process.stderr is not None
        self._pumps = [
            asyncio.ensure_future(pump(process.stdout, writer, "stdout")),
            asyncio.ensure_future(pump(process.stderr, writer, "stderr")),
        ]
        self._writer = writer
        self._log_sources: list[asyncio.Future[None]] = []
        self._exit = asyncio.ensure_future(self._supervise())

    def add_log_source(self, source: LogSource) -> None:
        """Feed more lines into this container's log while it runs (files it writes, say);
        ``source`` gets the writer and a callable that turns True once the process has exited."""
        if self._writer is not None and not self._exit.done():
            done = lambda: self._process.returncode is not None  # noqa: E731 - read by the source's loop
            self._log_sources.append(asyncio.ensure_future(source(self._writer, done)))

    @property
    def running(self) -> bool:
        return not self._exit.done()

    async def wait(self) -> ContainerExit:
        return await asyncio.shield(self._exit)

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    async def _supervise(self) -> ContainerExit:
        returncode = await self._process.wait()
        finished_at = time.time()
        _, pending = await asyncio.wait(self._pumps, timeout=_DRAIN_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._log_sources, return_exceptions=True)
        if self._writer is not None:
            self._writer.close()
        if self._process.stdin is not None:
            self._process.stdin.close()
        received = -returncode if returncode < 0 else None
        exit_code = 128 + received if received is not None else returncode
        if self._oom_killed():
            reason = "OOMKilled"
        else:
            reason = "Completed" if exit_code == 0 else "Error"
        return ContainerExit(exit_code=exit_code, reason=reason, finished_at=finished_at, signal=received)


async def run_captured(
    argv: Sequence[str],
    env: dict[str, str],
    timeout: float,
    preexec_fn: Callable[[], None] | None = None,
    cwd: Path | None = None,
) -> ExecResult:
    """Run ``argv`` with stdout and stderr together; kill its process group once ``timeout`` passes."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        cwd=cwd,
        preexec_fn=preexec_fn,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = bytearray()
    stdout = process.stdout

    async def collect() -> None:
        while chunk := await stdout.read(65536):
            output.extend(chunk)

    collector = asyncio.ensure_future(collect())
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), timeout)
    except TimeoutError:
        timed_out = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    returncode = await process.wait()
    _, pending = await asyncio.wait([collector], timeout=_DRAIN_SECONDS)
    for task in pending:
        task.cancel()
    exit_code = 128 - returncode if returncode < 0 else returncode
    return ExecResult(exit_code=exit_code, output=bytes(output), timed_out=timed_out)
