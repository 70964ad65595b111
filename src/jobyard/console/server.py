"""``serve_console``: the console's database, first admin, embedded cluster registration, health checks and HTTP server.

``jobyard up`` runs it in the cluster's event loop once the cluster answers; ``jobyard console up``
runs it alone. Either way it listens on 127.0.0.1 by default and stops gracefully: live streams
are ended first, so an open SSE connection never holds up a shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from jobyard.console.api import ConsoleServices
from jobyard.console.auth import ADMIN_PASSWORD_FILE, ensure_admin
from jobyard.console.db import create_engine, migrate
from jobyard.console.web import console_app
from jobyard.serving import GracefulServer, tcp_listener, tune_garbage_collection

__all__ = ["ConsoleSettings", "RunningConsole", "serve_console"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleSettings:
    data_dir: Path
    port: int = 8080
    host: str = "127.0.0.1"
    # None: SQLite at DATA/console.db.
    database_url: str | None = None
    # The embedded cluster's kubeconfig, kept as the cluster ``local``; None joins no cluster.
    local_kubeconfig: Path | None = None
    health_check_seconds: float = 30.0
    shutdown_timeout_seconds: float = 3.0
    # Off when the process already handles SIGTERM and Ctrl-C (``jobyard up``: the cluster does).
    handle_signals: bool = True


@dataclass
class RunningConsole:
    """What ``on_ready`` receives once the console answers."""

    url: str
    services: ConsoleServices
    # The first admin's password when this start generated it: shown once, and kept in ``admin_password_file``.
    admin_password: str | None
    admin_password_file: Path
    _server: uvicorn.Server = field(repr=False)

    def stop(self) -> None:
        """Ask the server to stop as SIGTERM would (safe from any thread)."""
        self._server.should_exit = True


async def serve_console(settings: ConsoleSettings, *, on_ready: Callable[[RunningConsole], None] | None = None) -> None:
    """Run until stopped (a signal, or ``RunningConsole.stop``); ``on_ready`` runs once it answers."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Bound here, so a port in use is an OSError the caller can word, not uvicorn's exit.
    listener = tcp_listener(settings.host, settings.port)
    engine = create_engine(settings.database_url, settings.data_dir)
    try:
        # Migrations and argon2 block for a while; the cluster shares this loop under `jobyard up`.
        services, admin_password = await asyncio.to_thread(_prepare, engine, settings.data_dir)
        tune_garbage_collection()
        try:
            if settings.local_kubeconfig is not None:
                await services.clusters.register_local(settings.local_kubeconfig.read_text())
            await _serve(settings, services, admin_password, listener, on_ready)
        finally:
            await services.aclose()
    finally:
        listener.close()
        engine.dispose()


async def _serve(
    settings: ConsoleSettings,
    services: ConsoleServices,
    admin_password: str | None,
    listener: socket.socket,
    on_ready: Callable[[RunningConsole], None] | None,
) -> None:
    server = GracefulServer(
        uvicorn.Config(
            console_app(services),
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=max(1, int(settings.shutdown_timeout_seconds)),
        ),
        handle_signals=settings.handle_signals,
        before_shutdown=services.stopping.set,
    )
    health = asyncio.create_task(_check_health(services, settings.health_check_seconds))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if serving.done():
                serving.result()
                return
            await asyncio.sleep(0.01)
        if on_ready is not None:
            host, port = listener.getsockname()[:2]
            on_ready(
                RunningConsole(
                    url=f"http://{host}:{port}",
                    services=services,
                    admin_password=admin_password,
                    admin_password_file=settings.data_dir / ADMIN_PASSWORD_FILE,
                    _server=server,
                )
            )
        await serving
    finally:
        health.cancel()
        await asyncio.gather(health, return_exceptions=True)


def _prepare(engine: Engine, data_dir: Path) -> tuple[ConsoleServices, str | None]:
    migrate(engine)
    services = ConsoleServices.open(engine, data_dir)
    with services.sessions() as session:
        return services, ensure_admin(session, data_dir)


async def _check_health(services: ConsoleServices, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await services.clusters.check_all()
        except Exception:
            # A round that fails (the database is busy, say) must not end health checking for good.
            log.exception("cluster health check failed")
