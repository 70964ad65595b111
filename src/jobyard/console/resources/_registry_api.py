"""The registry v2 API's listing endpoints, ``_catalog`` and ``tags/list``, with basic or bearer-token auth.

A registry answers 401 with ``WWW-Authenticate``: ``Basic`` asks for the
credentials on each request; ``Bearer realm=…,service=…,scope=…`` sends the
client to the token service for a token granting that scope.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

__all__ = ["RegistryApi", "RegistryApiError"]

_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
PAGE_SIZE = 100


class RegistryApiError(Exception):
    """``code`` is a message of the resources catalog: registryUnreachable, registryUnauthorized, registryError."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class RegistryApi:
    url: str
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    async def repositories(self) -> list[str]:
        return await self._paged("/v2/_catalog", "repositories", "registry:catalog:*")

    async def tags(self, repository: str) -> list[str]:
        return await self._paged(f"/v2/{repository}/tags/list", "tags", f"repository:{repository}:pull")

    async def _paged(self, path: str, key: str, scope: str) -> list[str]:
        found: list[str] = []
        async with httpx.AsyncClient(base_url=self.url, timeout=self.timeout) as client:
            authorization: str | None = None
            next_path: str | None = f"{path}?n={PAGE_SIZE}"
            while next_path is not None:
                response, authorization = await self._get(client, next_path, scope, authorization)
                found.extend(response.json().get(key) or [])
                next_path = _next_page(response)
        return found

    async def _get(
        self, client: httpx.AsyncClient, path: str, scope: str, authorization: str | None
    ) -> tuple[httpx.Response, str | None]:
        response = await self._send(client, path, authorization)
        if response.status_code == 401:
            authorization = await self._authorization(client, response.headers.get("WWW-Authenticate", ""), scope)
            response = await self._send(client, path, authorization)
        if response.status_code in (401, 403):
            raise RegistryApiError("registryUnauthorized", _errors_of(response))
        if response.is_error:
            raise RegistryApiError("registryError", f"HTTP {response.status_code} for {path}: {_errors_of(response)}")
        return response, authorization

    async def _send(self, client: httpx.AsyncClient, path: str, authorization: str | None) -> httpx.Response:
        headers = {"Authorization": authorization} if authorization else {}
        try:
            return await client.get(path, headers=headers)
        except httpx.HTTPError as error:
            raise RegistryApiError("registryUnreachable", str(error) or type(error).__name__) from None

    async def _authorization(self, client: httpx.AsyncClient, challenge: str, scope: str) -> str | None:
        scheme, _, params_text = challenge.partition(" ")
        basic = httpx.BasicAuth(self.username, self.password or "") if self.username else None
        if scheme.lower() == "basic":
            return _basic_header(self.username, self.password) if self.username else None
        params = dict(_CHALLENGE_PARAM.findall(params_text))
        if scheme.lower() != "bearer" or "realm" not in params:
            return None
        query = {"service": params.get("service", ""), "scope": scope}
        try:
            answer = await client.get(params["realm"], params=query, auth=basic or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as error:
            raise RegistryApiError("registryUnreachable", f"token service {params['realm']}: {error}") from None
        if answer.is_error:
            raise RegistryApiError("registryUnauthorized", f"token service: {_errors_of(answer)}")
        token = answer.json().get("token") or answer.json().get("access_token")
        return f"Bearer {token}" if token else None


def _basic_header(username: str, password: str | None) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password or ''}".encode()).decode()


def _next_page(response: httpx.Response) -> str | None:
    match = _NEXT_LINK.search(response.headers.get("Link", ""))
    return urljoin(str(response.url), match.group(1)) if match else None


def _errors_of(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"
    return (
        "; ".join(str(error.get("message") or error.get("code")) for error in errors) or f"HTTP {response.status_code}"
    )
