"""Probes and lifecycle handlers: exec, httpGet and tcpSocket, with the kubelet's timing rules."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import httpx

from jobyard.cluster.node.runtime._spec import RunningContainer, Runtime

__all__ = ["ProbeResult", "ProbeTiming", "run_handler"]

Obj = dict[str, Any]

# Output kept from a failing probe for its event, as the kubelet trims it.
_MAX_OUTPUT = 10 * 1024


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class ProbeTiming:
    """A probe's settings with upstream's defaults."""

    initial_delay: float = 0.0
    period: float = 10.0
    timeout: float = 1.0
    success_threshold: int = 1
    failure_threshold: int = 3

    @classmethod
    def of(cls, probe: Obj) -> ProbeTiming:
        return cls(
            float(probe.get("initialDelaySeconds", 0)),
            float(probe.get("periodSeconds", 10) or 10),
            float(probe.get("timeoutSeconds", 1) or 1),
            int(probe.get("successThreshold", 1) or 1),
            int(probe.get("failureThreshold", 3) or 3),
        )


def _port(value: Any, container: Obj) -> int:
    if isinstance(value, int):
        return value
    if str(value).isdigit():
        return int(value)
    for port in container.get("ports") or []:
        if port.get("name") == value:
            return int(port["containerPort"])
    raise ValueError(f"couldn't find port {value!r} in container")


async def _http(action: Obj, container: Obj, pod_ip: str, timeout: float) -> ProbeResult:
    host = action.get("host") or pod_ip or "127.0.0.1"
    scheme = str(action.get("scheme", "HTTP")).lower()
    path = action.get("path") or "/"
    if not path.startswith("/"):
        path = "/" + path
    port = _port(action.get("port"), container)
    url = f"{scheme}://{host}:{port}{path}"
    headers = {h.get("name", ""): h.get("value", "") for h in action.get("httpHeaders") or []}
    headers.setdefault("User-Agent", "kube-probe/1.33")
    try:
        async with httpx.AsyncClient(verify=False, timeout=timeout, trust_env=False) as client:
            response = await client.get(url, headers=headers)
    except httpx.TimeoutException:
        return ProbeResult(
            False, f'Get "{url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)'
        )
    except httpx.HTTPError as error:
        return ProbeResult(False, f'Get "{url}": {error}')
    if 200 <= response.status_code < 400:
        return ProbeResult(True)
    return ProbeResult(False, f"HTTP probe failed with statuscode: {response.status_code}")


async def _tcp(action: Obj, container: Obj, pod_ip: str, timeout: float) -> ProbeResult:
    host = action.get("host") or pod_ip or "127.0.0.1"
    port = _port(action.get("port"), container)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as error:
        return ProbeResult(False, f"dial tcp {host}:{port}: {error}")
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return ProbeResult(True)


async def run_handler(
    handler: Obj, runtime: Runtime, running: RunningContainer, container: Obj, pod_ip: str, timeout: float
) -> ProbeResult:
    """Run one probe or lifecycle handler (``exec``, ``httpGet``, ``tcpSocket`` or ``sleep``)."""
    try:
        if "exec" in handler:
            command = [str(part) for part in (handler["exec"] or {}).get("command") or []]
            result = await runtime.exec(running, command, timeout)
            output = result.output[:_MAX_OUTPUT].decode("utf-8", "replace")
            if result.timed_out:
                return ProbeResult(False, f"command {command!r} timed out")
            if result.exit_code != 0:
                return ProbeResult(False, output or f"command {command!r} exited with {result.exit_code}")
            return ProbeResult(True, output)
        if "httpGet" in handler:
            return await _http(handler["httpGet"], container, pod_ip, timeout)
        if "tcpSocket" in handler:
            return await _tcp(handler["tcpSocket"], container, pod_ip, timeout)
        if "sleep" in handler:
            await asyncio.sleep(min(float((handler["sleep"] or {}).get("seconds", 0)), timeout))
            return ProbeResult(True)
    except ValueError as error:
        return ProbeResult(False, str(error))
    return ProbeResult(False, "this node does not support the probe's handler")
