"""``jobyard login``, ``jobyard user create|list``, ``jobyard grant`` and ``jobyard revoke``."""

from __future__ import annotations

import enum
import socket
import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from jobyard.cli import messages
from jobyard.cli.client import ServerUrl, connected, save_login
from jobyard.cli.clusters import Cluster
from jobyard.cli.output import Output, OutputFormat, show, table

__all__ = ["Role", "grant", "login", "revoke", "user_app"]

user_app = typer.Typer(help=messages.USER_HELP, no_args_is_help=True)


class Role(enum.StrEnum):
    CLUSTER_ADMIN = "cluster-admin"
    NS_ADMIN = "ns-admin"
    NS_EDITOR = "ns-editor"
    NS_VIEWER = "ns-viewer"


PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help=messages.PASSWORD_STDIN_HELP)]
GrantNamespace = Annotated[str | None, typer.Option("--namespace", "-n", help=messages.GRANT_NAMESPACE_HELP)]
RoleArgument = Annotated[Role, typer.Argument(help=messages.ROLE_HELP, show_default=False)]
UserArgument = Annotated[str, typer.Argument(help=messages.GRANT_USER_HELP, show_default=False)]


def _password(from_stdin: bool, *, confirm: bool) -> str:
    """The first line of standard input (so a secret never shows in ``ps`` or the shell's history), else a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(messages.PASSWORD_PROMPT, hide_input=True, confirmation_prompt=confirm)
    return password


def login(
    url: Annotated[str, typer.Argument(help=messages.LOGIN_URL_HELP, show_default=False)],
    username: Annotated[
        str, typer.Option("--username", "-u", prompt=messages.USERNAME_PROMPT, help=messages.USERNAME_HELP)
    ],
    password_stdin: PasswordStdin = False,
) -> None:
    password = _password(password_stdin, confirm=False)
    with connected(url, signed_in=False) as client:
        session = client.post("/session", {"name": username, "password": password})
        client.use_csrf_token(session["csrfToken"])
        created = client.post("/tokens", {"name": f"jobyard CLI on {socket.gethostname()}"[:100]})
        # The token outlives the sign-in that made it; the browser-style session is not needed again.
        client.delete("/session")
    path = save_login(client.url, created["token"])
    Console().print(messages.logged_in(username, client.url, path), soft_wrap=True)


@user_app.command("create", help=messages.USER_CREATE_HELP)
def create_user(
    name: Annotated[str, typer.Argument(help=messages.USER_NAME_HELP, show_default=False)],
    password_stdin: PasswordStdin = False,
    admin: Annotated[bool, typer.Option("--admin", help=messages.ADMIN_HELP)] = False,
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    password = _password(password_stdin, confirm=True)
    with connected(url) as client:
        created = client.post("/users", {"name": name, "password": password, "isAdmin": admin})
    show(created, output, lambda user: messages.user_created(user["name"], user["isAdmin"]))


def _bindings(user: dict[str, Any]) -> str:
    return ", ".join(
        f"{binding['role']}@{binding['cluster']}" + (f"/{binding['namespace']}" if binding.get("namespace") else "")
        for binding in user["bindings"]
    )


@user_app.command("list", help=messages.USER_LIST_HELP)
def list_users(output: Output = OutputFormat.TABLE, url: ServerUrl = None) -> None:
    with connected(url) as client:
        users = client.get("/users")
    show(
        users,
        output,
        lambda listed: table(
            messages.USER_COLUMNS,
            [
                (user["name"], messages.yes_no(user["isAdmin"]), messages.yes_no(user["disabled"]), _bindings(user))
                for user in listed
            ],
        ),
    )


def grant(
    role: RoleArgument, user: UserArgument, cluster: Cluster, namespace: GrantNamespace = None, url: ServerUrl = None
) -> None:
    with connected(url) as client:
        client.post("/grants", {"user": user, "role": role.value, "cluster": cluster, "namespace": namespace})
    Console().print(messages.granted(role.value, user, cluster, namespace), soft_wrap=True)


def revoke(
    role: RoleArgument, user: UserArgument, cluster: Cluster, namespace: GrantNamespace = None, url: ServerUrl = None
) -> None:
    with connected(url) as client:
        client.delete("/grants", user=user, role=role.value, cluster=cluster, namespace=namespace)
    Console().print(messages.revoked(role.value, user, cluster, namespace), soft_wrap=True)
