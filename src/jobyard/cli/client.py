"""The console's JSON API as the client commands see it: where it is, who we are, and its refusals.

``jobyard login`` keeps ``{url, token}`` in ``$XDG_CONFIG_HOME/jobyard/config.json``; ``--url``
(or ``JOBYARD_URL``) and ``JOBYARD_TOKEN`` override it. Every request says the user's language
in ``Accept-Language`` so the console words its refusals (field errors included) in it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from jobyard.cli import messages

__all__ = [
    "ApiClient",
    "ApiRefusal",
    "ServerUrl",
    "config_path",
    "connected",
    "save_login",
]

ServerUrl = Annotated[str | None, typer.Option("--url", envvar="JOBYARD_URL", help=messages.URL_HELP)]

_TIMEOUT = httpx.Timeout(30.0)
# Streams (followed logs, a watched Job) stay quiet for as long as nothing happens.
_STREAM_TIMEOUT = httpx.Timeout(30.0, read=None)


@dataclass
class ApiRefusal(Exception):
    """The console's ``{code, message, fields}`` answer to a request it refused."""

    status: int
    code: str
    message: str
    fields: list[dict[str, str]] = field(default_factory=list)


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jobyard" / "config.json"


def save_login(url: str, token: str) -> Path:
    """Only the user may read the file: the token acts as them."""
    path = config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"url": url, "token": token}, file)
    path.chmod(0o600)
    return path


def _saved_login() -> dict[str, str]:
    try:
        saved = json.loads(config_path().read_text())
    except (OSError, ValueError):
        return {}
    return {key: str(value) for key, value in saved.items()} if isinstance(saved, dict) else {}


def _refusal(response: httpx.Response) -> ApiRefusal:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "message" not in body:
        return ApiRefusal(response.status_code, f"http{response.status_code}", response.text.strip())
    return ApiRefusal(response.status_code, str(body.get("code", "")), str(body["message"]), body.get("fields") or [])


class ApiClient:
    """JSON in, JSON out; a refusal raises :class:`ApiRefusal`."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        headers = {"Accept-Language": messages.LANGUAGE}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=_TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, *, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        """The answer's JSON body, or None for an empty one (204)."""
        response = self._http.request(method, "/api" + path, json=body, params=_present(params))
        if response.is_error:
            raise _refusal(response)
        if not response.content:
            return None
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, body=body, params=params)

    def delete(self, path: str, **params: Any) -> Any:
        return self.request("DELETE", path, params=params)

    def use_csrf_token(self, token: str) -> None:
        """A cookie session's changes must repeat its CSRF token (only ``login`` signs in by cookie)."""
        self._http.headers["X-CSRF-Token"] = token

    @contextmanager
    def stream(self, path: str, accept: str, **params: Any) -> Iterator[httpx.Response]:
        request = self._http.build_request(
            "GET", "/api" + path, params=_present(params), headers={"Accept": accept}, timeout=_STREAM_TIMEOUT
        )
        response = self._http.send(request, stream=True)
        try:
            if response.is_error:
                response.read()
                raise _refusal(response)
            yield response
        finally:
            response.close()

    def events(self, path: str, **params: Any) -> Iterator[tuple[str, str]]:
        """(event, data) of a Server-Sent Events stream, until the server ends it."""
        with self.stream(path, "text/event-stream", **params) as response:
            event, data = "message", list[str]()
            for line in response.iter_lines():
                if not line:
                    if data:
                        yield event, "\n".join(data)
                    event, data = "message", []
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].removeprefix(" "))


def _present(params: dict[str, Any] | None) -> dict[str, Any]:
    """Query parameters without the options left unset; booleans as the API spells them."""
    return {
        key: (str(value).lower() if isinstance(value, bool) else value)
        for key, value in (params or {}).items()
        if value is not None
    }


def _print_refusal(err: Console, refusal: ApiRefusal, field_names: dict[str, str] | None = None) -> None:
    """One sentence, then one line per field; ``field_names`` shows a form path as the option that set it."""
    err.print(messages.api_refused(refusal.message), soft_wrap=True)
    for problem in refusal.fields:
        path = problem.get("path", "")
        option = (field_names or {}).get(path)
        err.print(messages.field_problem(path, option, problem.get("message", "")), soft_wrap=True)


@contextmanager
def connected(
    url: str | None, *, signed_in: bool = True, field_names: dict[str, str] | None = None
) -> Iterator[ApiClient]:
    """A client of the console at ``url`` (else the saved one); any failure is one sentence and exit code 1."""
    err = Console(stderr=True)
    saved = _saved_login()
    base = url or saved.get("url")
    token = os.environ.get("JOBYARD_TOKEN") or saved.get("token")
    if base is None or (signed_in and not token):
        err.print(messages.NOT_LOGGED_IN, soft_wrap=True)
        raise typer.Exit(1)
    client = ApiClient(base, token if signed_in else None)
    try:
        yield client
    except ApiRefusal as refusal:
        _print_refusal(err, refusal, field_names)
        raise typer.Exit(1) from None
    except httpx.TransportError as error:
        err.print(messages.unreachable(client.url, str(error) or type(error).__name__), soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        client.close()
