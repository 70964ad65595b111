"""The ``jobyard`` Typer application and its entry point."""

from __future__ import annotations

import typer
from rich.console import Console

from jobyard import __version__
from jobyard.cli import messages
from jobyard.cli.account import grant, login, revoke, user_app
from jobyard.cli.clusters import cluster_app, ns_app
from jobyard.cli.console import console_app
from jobyard.cli.image import image_app
from jobyard.cli.jobs import job_app
from jobyard.cli.up import up

__all__ = ["app", "main"]

app = typer.Typer(
    name="jobyard",
    help=messages.APP_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("up", help=messages.UP_HELP)(up)
app.add_typer(image_app, name="image")
app.add_typer(console_app, name="console")
app.command("login", help=messages.LOGIN_HELP)(login)
app.add_typer(user_app, name="user")
app.command("grant", help=messages.GRANT_HELP)(grant)
app.command("revoke", help=messages.REVOKE_HELP)(revoke)
app.add_typer(cluster_app, name="cluster")
app.add_typer(ns_app, name="ns")
app.add_typer(job_app, name="job")


@app.command(help=messages.VERSION_HELP)
def version() -> None:
    Console().print(messages.version_line(__version__))


def main() -> None:
    app()
