"""Pod addresses: handed out from a CIDR and kept in a file, so a restarted node gives no address twice."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

__all__ = ["AddressPool", "PoolExhausted"]


class PoolExhausted(RuntimeError):
    """Every address of the range is taken."""


class AddressPool:
    """Addresses of ``cidr`` by owner (a pod uid), persisted in ``path``.

    The network address, the first host (the gateway) and the broadcast address
    are never handed out. As upstream's host-local IPAM, allocation continues
    after the last address handed out rather than from the lowest free one, so
    a just-released address is not reused at once by a new pod while old
    connections to it may still be in flight.
    """

    def __init__(self, cidr: ipaddress.IPv4Network, path: Path) -> None:
        if cidr.num_addresses < 4:
            raise ValueError(f"{cidr} is too small for a gateway and pods")
        self.cidr = cidr
        self.gateway = cidr.network_address + 1
        self._first = int(cidr.network_address) + 2
        self._last = int(cidr.broadcast_address) - 1
        self._path = path
        self._by_owner: dict[str, str] = {}
        self._last_allocated = self._first - 1
        if path.exists():
            saved = json.loads(path.read_text())
            self._by_owner = {owner: address for owner, address in saved["allocations"].items() if self._fits(address)}
            if self._fits(saved.get("last", "")):
                self._last_allocated = int(ipaddress.IPv4Address(saved["last"]))

    def _fits(self, address: str) -> bool:
        try:
            return self._first <= int(ipaddress.IPv4Address(address)) <= self._last
        except ValueError:
            return False

    def get(self, owner: str) -> str | None:
        return self._by_owner.get(owner)

    def owners(self) -> set[str]:
        return set(self._by_owner)

    def allocate(self, owner: str) -> str:
        """The owner's address; a new one the first time it asks."""
        existing = self._by_owner.get(owner)
        if existing is not None:
            return existing
        taken = set(self._by_owner.values())
        size = self._last - self._first + 1
        for step in range(1, size + 1):
            candidate = self._first + (self._last_allocated - self._first + step) % size
            text = str(ipaddress.IPv4Address(candidate))
            if text not in taken:
                self._by_owner[owner] = text
                self._last_allocated = candidate
                self.save()
                return text
        raise PoolExhausted(f"no free address left in {self.cidr}")

    def release(self, owner: str) -> None:
        """Free the owner's address; the file learns it with the next allocation or save.

        A release lost to a crash is harmless: a restarted node releases every
        owner whose pod it does not run (``PodNetwork.reconcile``).
        """
        self._by_owner.pop(owner, None)

    def save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        staged = self._path.with_suffix(".tmp")
        staged.write_text(
            json.dumps(
                {"allocations": self._by_owner, "last": str(ipaddress.IPv4Address(self._last_allocated))},
                sort_keys=True,
            )
        )
        os.replace(staged, self._path)
