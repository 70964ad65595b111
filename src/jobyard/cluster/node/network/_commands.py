"""Running ``ip`` and ``nft``: one process per batch of commands, its failure raised with what it printed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

__all__ = ["NetworkError", "run"]


class NetworkError(RuntimeError):
    """A network command failed; the message carries the command and its stderr."""


async def run(argv: Sequence[str], stdin: str = "") -> str:
    """Run ``argv`` with ``stdin`` as its input and return its stdout; a non-zero exit raises."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(stdin.encode())
    if process.returncode != 0:
        detail = err.decode(errors="replace").strip() or out.decode(errors="replace").strip()
        raise NetworkError(f"{' '.join(argv)} exited with {process.returncode}: {detail}")
    return out.decode()
