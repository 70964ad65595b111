"""``jobyard up``'s cluster half: the store, the HTTPS API server and the controllers in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn

from jobyard.cluster import datadir, kinds, pki
from jobyard.cluster.api import ApiServer
from jobyard.cluster.client import LocalClient
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.controllers import (
    Controller,
    EndpointsController,
    EventTTLController,
    GarbageCollector,
    NamespaceController,
    PodGarbageCollector,
    ServiceAccountController,
    TTLAfterFinishedController,
)
from jobyard.cluster.controllers.job import JobController, Settings
from jobyard.cluster.errors import AlreadyExists
from jobyard.cluster.node import build_node
from jobyard.cluster.node.network.pods import primary_ipv4
from jobyard.cluster.registry import Registry
from jobyard.cluster.store import Store
from jobyard.serving import GracefulServer, tune_garbage_collection

__all__ = ["Cluster", "serve", "server_url"]

log = logging.getLogger(__name__)

# The namespaces every upstream cluster starts with.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
STORE_FILE = "cluster.db"
_CONTROLLER_RESTART_SECONDS = 1.0
# How long requests in flight get to finish on shutdown before connections are cut.
_CUT_IDLE_CONNECTIONS_SECONDS = 0.5


def server_url(host: str, port: int) -> str:
    """The address clients dial: loopback for a wildcard bind, brackets for IPv6."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    return f"https://{host}:{port}"


@dataclass
class Cluster:
    """The pieces one running cluster is made of, for tests that reach inside."""

    config: ClusterConfig
    store: Store
    registry: Registry
    api: ApiServer
    url: str
    token: str
    _server: uvicorn.Server

    def stop(self) -> None:
        """Ask the server to stop as SIGTERM would (safe from any thread)."""
        self._server.should_exit = True


def _bootstrap(registry: Registry) -> None:
    namespaces = kinds.find("", "v1", "namespaces")
    assert namespaces is not None
    for name in SYSTEM_NAMESPACES:
        if registry.store.get(namespaces.qualified_plural, "", name) is None:
            with contextlib.suppress(AlreadyExists):
                registry.create(namespaces, "", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


async def _supervised(controller: Controller) -> None:
    """Run a controller for the life of the server; one that fails is logged and restarted."""
    while True:
        try:
            await controller.run()
            return
        except Exception:
            log.exception("controller %s stopped; restarting it", controller.name)
            await asyncio.sleep(_CONTROLLER_RESTART_SECONDS)


def _stop(tasks: list[asyncio.Task[None]], store: Store, on_stopping: Callable[[], None]) -> None:
    """Controllers first, then watches: a watch closed under a running controller would relist."""
    on_stopping()
    for task in tasks:
        task.cancel()
    store.close_watchers()


def _controllers(registry: Registry, config: ClusterConfig) -> dict[str, Controller]:
    def client(name: str) -> LocalClient:
        return LocalClient(registry, name)

    return {
        "namespace": NamespaceController(client("namespace-controller")),
        "serviceaccount": ServiceAccountController(client("serviceaccount-controller")),
        "garbage-collector": GarbageCollector(client("generic-garbage-collector")),
        "pod-garbage-collector": PodGarbageCollector(client("pod-garbage-collector")),
        "ttl-after-finished": TTLAfterFinishedController(client("ttl-after-finished-controller")),
        "endpoint": EndpointsController(client("endpoint-controller"), node_ip=primary_ipv4()),
        "event-ttl": EventTTLController(client("event-ttl"), config.event_ttl_seconds),
        "job": JobController(
            client("job-controller"),
            concurrent_syncs=config.concurrent_job_syncs,
            settings=Settings(config.job_backoff_base_seconds, config.job_backoff_cap_seconds),
            batch_seconds=config.job_pod_batch_seconds,
        ),
    }


class _ApiServer(GracefulServer):
    """Closes open watches first on shutdown, so SIGTERM never waits on a stream."""

    async def shutdown(self, sockets: Any = None) -> None:
        cut = asyncio.get_running_loop().call_later(_CUT_IDLE_CONNECTIONS_SECONDS, self._cut_connections)
        try:
            await super().shutdown(sockets)
        finally:
            cut.cancel()

    def _cut_connections(self) -> None:
        # An idle TLS client never answers the server's close_notify, so a graceful
        # close would wait out the whole shutdown timeout; requests have had their time.
        for connection in list(self.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()


async def serve(
    config: ClusterConfig,
    *,
    on_ready: Callable[[Cluster], None] | None = None,
    on_stopping: Callable[[], None] = lambda: None,
) -> None:
    """Run until SIGTERM/SIGINT. ``on_ready`` runs once the kubeconfig is written, ``on_stopping``
    once the server starts to stop (its clients may then close their connections)."""
    data_dir = datadir.prepare(config.data_dir)
    with datadir.DataDirLock(data_dir):
        credentials = pki.ensure_pki(data_dir, [config.host])
        token = pki.ensure_admin_token(data_dir)
        store = Store(data_dir / STORE_FILE, history_size=config.watch_history_size)
        try:
            registry = Registry(
                store,
                watch_queue_size=config.watch_queue_size,
                bookmark_interval_seconds=config.bookmark_interval_seconds,
            )
            _bootstrap(registry)
            tune_garbage_collection()
            url = server_url(config.host, config.api_port)
            tasks: list[asyncio.Task[None]] = []
            api = ApiServer(registry, [token], server_address=url.removeprefix("https://"))
            server = _ApiServer(
                uvicorn.Config(
                    api.app,
                    host=config.host,
                    port=config.api_port,
                    ssl_certfile=str(credentials.server_cert),
                    ssl_keyfile=str(credentials.server_key),
                    log_level="warning",
                    lifespan="off",
                    timeout_graceful_shutdown=int(config.shutdown_timeout_seconds) or 1,
                ),
                before_shutdown=lambda: _stop(tasks, store, on_stopping),
            )
            cluster = Cluster(config, store, registry, api, url, token, server)
            controllers = [
                controller for name, controller in _controllers(registry, config).items() if name in config.controllers
            ]
            if config.node:
                node = build_node(config, lambda name: LocalClient(registry, name))
                controllers += node.controllers
                api.pod_logs = node.kubelet.pod_logs
            tasks.extend(asyncio.create_task(_supervised(controller)) for controller in controllers)
            serving = asyncio.create_task(server.serve())
            try:
                while not server.started:
                    if serving.done():
                        serving.result()
                        return
                    await asyncio.sleep(0.01)
                pki.write_kubeconfig(config.kubeconfig_path, url, credentials.ca_pem, token)
                api.ready = True
                if on_ready is not None:
                    on_ready(cluster)
                await serving
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            store.close()
