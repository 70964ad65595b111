"""The console tests' real cluster and console, reused: the CLI under test speaks HTTP to them."""

from __future__ import annotations

from console.api.conftest import admin, console, kube_cluster

__all__ = ["admin", "console", "kube_cluster"]
