"""The network a pod gets when no pod network is set up: the host's own."""

from __future__ import annotations

from pathlib import Path


class HostNetwork:
    """Containers share the host's network namespace and reach each other on 127.0.0.1."""

    async def setup(self, pod_uid: str) -> tuple[Path | None, str]:
        return None, "127.0.0.1"

    async def teardown(self, pod_uid: str) -> None:
        return None
