"""The process runtime: no isolation, but the image's files (chrooted as root) and exit codes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from runtime_fixtures import SANDBOX, Image, image, needs_sandbox, spec_for

from jobyard.cluster.node.logs import read_logs
from jobyard.cluster.node.runtime import ProcessRuntime, Security, StartError

__all__ = ["image"]

pytestmark = needs_sandbox


def test_warns_that_it_does_not_isolate(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        runtime = ProcessRuntime(tmp_path / "state")
    assert runtime.isolates is False
    assert "does NOT isolate" in caplog.text


def test_runs_the_images_files_with_exit_codes_and_exec(image: Image, tmp_path: Path) -> None:
    runtime = ProcessRuntime(tmp_path / "state")
    spec = spec_for(
        image, tmp_path, "sh", "-c", "cat /etc/motd; id; pwd; exit 4", working_dir="/w", security=Security(uid=7, gid=8)
    )
    sleeper = spec_for(image, tmp_path, "sleep", "30")

    async def scenario() -> tuple[int, str, bytes, bool]:
        container = await runtime.start(SANDBOX, spec)
        exit = await container.wait()
        long = await runtime.start(SANDBOX, sleeper)
        result = await runtime.exec(long, ["cat", "/etc/motd"], timeout=5)
        slow = await runtime.exec(long, ["sleep", "10"], timeout=0.3)
        await runtime.remove(spec.id)
        await runtime.remove(sleeper.id)
        return exit.exit_code, exit.reason, result.output, slow.timed_out

    code, reason, output, timed_out = asyncio.run(scenario())
    assert (code, reason) == (4, "Error")
    assert spec.log_path is not None
    assert read_logs(spec.log_path).decode().splitlines() == ["from layer 2", "uid=7 gid=8", "/w"]
    assert output == b"from layer 2\n" and timed_out
    assert not any((tmp_path / "state" / "containers").iterdir())


def test_missing_command(image: Image, tmp_path: Path) -> None:
    runtime = ProcessRuntime(tmp_path / "state")
    with pytest.raises(StartError) as raised:
        asyncio.run(runtime.start(SANDBOX, spec_for(image, tmp_path, "nosuch")))
    assert raised.value.exit_code == 127
