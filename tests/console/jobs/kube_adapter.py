"""``KubeApi`` over httpx against an embedded cluster: the test stand-in for the console's cluster client."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from conftest import RunningCluster
from jobyard.console.jobs import PODS, Cascade, ClusterUnreachable, Manifest, Resource, api_error


class HttpxKubeApi:
    def __init__(self, running: RunningCluster) -> None:
        self._http = httpx.AsyncClient(
            base_url=running.url,
            verify=ssl.create_default_context(cafile=str(running.ca_file)),
            headers={"Authorization": f"Bearer {running.token}"},
            timeout=10,
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def get(self, resource: Resource, namespace: str, name: str) -> Manifest:
        return (await self._send("GET", _url(resource, namespace, name))).json()

    async def list(self, resource: Resource, namespace: str, label_selector: str | None = None) -> list[Manifest]:
        params = {"labelSelector": label_selector} if label_selector else {}
        return (await self._send("GET", _url(resource, namespace), params=params)).json()["items"]

    async def create(self, resource: Resource, namespace: str, body: Manifest, *, dry_run: bool = False) -> Manifest:
        params = {"dryRun": "All"} if dry_run else {}
        return (await self._send("POST", _url(resource, namespace), json=body, params=params)).json()

    async def merge_patch(self, resource: Resource, namespace: str, name: str, patch: Manifest) -> Manifest:
        headers = {"Content-Type": "application/merge-patch+json"}
        return (await self._send("PATCH", _url(resource, namespace, name), json=patch, headers=headers)).json()

    async def delete(
        self, resource: Resource, namespace: str, name: str, *, propagation: Cascade, uid: str | None = None
    ) -> None:
        body: Manifest = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": str(propagation)}
        if uid is not None:
            body["preconditions"] = {"uid": uid}
        await self._send("DELETE", _url(resource, namespace, name), json=body)

    async def pod_logs(
        self, namespace: str, pod: str, *, container: str | None = None, tail_lines: int | None = None
    ) -> str:
        params: dict[str, Any] = {"container": container} if container else {}
        if tail_lines is not None:
            params["tailLines"] = tail_lines
        return (await self._send("GET", _url(PODS, namespace, pod) + "/log", params=params)).text

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.TransportError as error:
            raise ClusterUnreachable(str(error)) from error
        if response.status_code >= 400:
            raise api_error(response.status_code, response.json())
        return response


def _url(resource: Resource, namespace: str, name: str = "") -> str:
    return f"{resource.path_prefix}/namespaces/{namespace}/{resource.plural}" + (f"/{name}" if name else "")
