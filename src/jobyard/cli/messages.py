"""Every piece of text the ``jobyard`` command shows, in one place for translation."""

from __future__ import annotations

import shlex
from pathlib import Path

from rich.markup import escape

APP_HELP = "Run Kubernetes Jobs from container images."
VERSION_HELP = "Print jobyard's version."
UP_HELP = "Start the embedded Kubernetes cluster (and, later, the console) and run until Ctrl-C or SIGTERM."

DATA_DIR_HELP = "Where the cluster keeps its store, certificates and kubeconfig."
DATA_DIR_DEFAULT = "$XDG_DATA_HOME/jobyard, else ~/.local/share/jobyard"
API_PORT_HELP = "HTTPS port of the Kubernetes API."
CONSOLE_PORT_HELP = "Port reserved for the web console (not opened yet)."
CONSOLE_HELP = "Reserve the console's port; --no-console runs the cluster alone."
HOST_HELP = "Address to listen on; also added to the server certificate's names."

SAME_PORTS = "--console-port must differ from --api-port."


def version_line(version: str) -> str:
    return f"jobyard {escape(version)}"


def ready(kubeconfig: Path, server_url: str | None, console_port: int | None) -> str:
    """What ``jobyard up`` prints once the API answers: where it is and how to use it."""
    export = f"export KUBECONFIG={shlex.quote(str(kubeconfig))}"
    lines = ["[bold green]jobyard is up[/]"]
    if server_url is not None:
        lines.append(f"  Kubernetes API  {escape(server_url)}")
    lines += [
        f"  kubeconfig      {escape(str(kubeconfig))}",
        "",
        "Point kubectl at it:",
        f"  [bold]{escape(export)}[/]",
        "  [bold]kubectl get ns[/]",
    ]
    if console_port is not None:
        lines += [
            "",
            f"The web console is not built yet: port {console_port} is reserved for it and is not opened.",
        ]
    lines += ["", "Stop with Ctrl-C."]
    return "\n".join(lines)


def data_dir_in_use(data_dir: Path, pid: int | None) -> str:
    holder = f"(pid {pid})" if pid is not None else "(pid unknown)"
    return (
        f"[bold red]Error:[/] another jobyard {holder} is already using "
        f"{escape(str(data_dir))}. Stop it first, or pass a different --data-dir."
    )


def cannot_start(reason: str) -> str:
    return f"[bold red]Error:[/] jobyard could not start: {escape(reason)}"
