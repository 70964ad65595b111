"""``jobyard console up``: run the console alone, joined to clusters by kubeconfig."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from jobyard.cli import messages
from jobyard.cluster.config import default_data_dir

__all__ = ["DatabaseUrl", "console_app"]

# Shared with `jobyard up`, which starts the same console.
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help=messages.DATABASE_URL_HELP)]

console_app = typer.Typer(help=messages.CONSOLE_APP_HELP, no_args_is_help=True)


@console_app.command("up", help=messages.CONSOLE_UP_HELP)
def console_up(
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            help=messages.CONSOLE_DATA_DIR_HELP,
            file_okay=False,
            resolve_path=True,
            default_factory=default_data_dir,
            show_default=messages.DATA_DIR_DEFAULT,
        ),
    ],
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help=messages.PORT_HELP)] = 8080,
    cluster_kubeconfig: Annotated[
        Path | None,
        typer.Option("--cluster-kubeconfig", exists=True, dir_okay=False, help=messages.CLUSTER_KUBECONFIG_HELP),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    # Imported here so that `jobyard --help` does not pay for the server's imports.
    from jobyard.console.server import ConsoleSettings, serve_console

    out, err = Console(), Console(stderr=True)
    settings = ConsoleSettings(
        data_dir=data_dir, port=port, database_url=database_url, local_kubeconfig=cluster_kubeconfig
    )
    try:
        asyncio.run(
            serve_console(
                settings,
                on_ready=lambda running: out.print(
                    messages.console_ready(running.url, running.admin_password, running.admin_password_file),
                    soft_wrap=True,
                ),
            )
        )
    except OSError as exc:
        err.print(messages.cannot_start(str(exc)))
        raise typer.Exit(1) from None
