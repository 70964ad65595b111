"""The node agent: registers the Node, runs the pods bound to it, and serves their logs.

It watches pods like any controller and gives each pod bound to this node a
:class:`PodWorker`. The Node object carries capacity, allocatable, conditions,
addresses, system info and the images in the node's store, refreshed every
``node_status_update_seconds`` (the heartbeat).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import platform
import shutil
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from jobyard import __version__
from jobyard.cluster.client import LocalClient
from jobyard.cluster.clock import Clock, format_time, system_clock
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.controllers import Controller
from jobyard.cluster.errors import AlreadyExists, BadRequest, NotFound, StatusError
from jobyard.cluster.events import EventRecorder
from jobyard.cluster.node import logs
from jobyard.cluster.node.images import credentials_from_dockerconfigjson
from jobyard.cluster.node.runtime._spec import Runtime
from jobyard.cluster.registry import DeleteOptions, LogOptions

from ._env import Lookup
from ._worker import PodWorker, backoff_delay

__all__ = ["Kubelet", "node_name_default"]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

KUBELET_VERSION = "v1.33.0"
# Upstream's hard eviction thresholds, subtracted from capacity to give allocatable.
_EVICTION_MEMORY_BYTES = 100 * 1024 * 1024
_EVICTION_DISK_FRACTION = 0.10
_IMAGES_IN_STATUS = 50
_TERMINAL = ("Succeeded", "Failed")


def node_name_default() -> str:
    return socket.gethostname().lower().split(".")[0] or "jobyard"


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(machine, machine)


def _memory_bytes() -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def _os_image() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.system()


def _read(path: str) -> str:
    with contextlib.suppress(OSError):
        return Path(path).read_text().strip()
    return ""


class Kubelet(Controller):
    name = "kubelet"
    watched = ("pods",)
    workers = 0

    def __init__(
        self,
        client: LocalClient,
        config: ClusterConfig,
        runtime: Runtime,
        images: Any,
        node_ip: str,
        *,
        network: Any = None,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__(client)
        self.config = config
        self.runtime = runtime
        self.images = images
        self.node_ip = node_ip
        # The pod network (PodNetwork), reconciled at start; None when pods use the host network.
        self.network = network
        self.clock = clock
        self.node_name = config.node_name or node_name_default()
        self.pods_dir = config.data_dir / "pods"
        self.pods_dir.mkdir(parents=True, exist_ok=True)
        self.recorder = EventRecorder(client, "kubelet", clock, host=self.node_name)
        self.pod_workers: dict[str, PodWorker] = {}
        self._finished: set[str] = set()
        capacity = self.capacity()
        self.capacity_values = capacity
        self.allocatable = self._allocatable(capacity)

    # -- node ------------------------------------------------------------

    def capacity(self) -> dict[str, str]:
        disk = shutil.disk_usage(self.config.data_dir)
        return {
            "cpu": str(os.cpu_count() or 1),
            "memory": f"{_memory_bytes() // 1024}Ki",
            "ephemeral-storage": f"{disk.total // 1024}Ki",
            "pods": str(self.config.max_pods),
        }

    @staticmethod
    def _allocatable(capacity: dict[str, str]) -> dict[str, str]:
        memory = int(capacity["memory"].removesuffix("Ki")) * 1024 - _EVICTION_MEMORY_BYTES
        disk = int(int(capacity["ephemeral-storage"].removesuffix("Ki")) * 1024 * (1 - _EVICTION_DISK_FRACTION))
        return {**capacity, "memory": f"{max(memory, 0) // 1024}Ki", "ephemeral-storage": str(disk)}

    def node_status(self, previous: Obj | None) -> Obj:
        now = format_time(self.clock())
        transitions = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
        disk_pressure = self._disk_low()

        def condition(kind: str, ok: bool, reason: str, message: str) -> Obj:
            status = "True" if ok else "False"
            before = transitions.get(kind)
            since = before.get("lastTransitionTime") if before and before.get("status") == status else now
            return {
                "type": kind,
                "status": status,
                "lastHeartbeatTime": now,
                "lastTransitionTime": since,
                "reason": reason,
                "message": message,
            }

        images = []
        with contextlib.suppress(Exception):
            for image in self.images.list()[:_IMAGES_IN_STATUS]:
                images.append({"names": [*image.repo_digests, *image.references], "sizeBytes": image.size})
        return {
            "capacity": self.capacity_values,
            "allocatable": self.allocatable,
            "conditions": [
                condition(
                    "MemoryPressure", False, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"
                ),
                condition(
                    "DiskPressure",
                    disk_pressure,
                    "KubeletHasDiskPressure" if disk_pressure else "KubeletHasNoDiskPressure",
                    "kubelet has disk pressure" if disk_pressure else "kubelet has no disk pressure",
                ),
                condition("PIDPressure", False, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", True, "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.node_ip},
                {"type": "Hostname", "address": self.node_name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
            "nodeInfo": {
                "machineID": _read("/etc/machine-id"),
                "systemUUID": _read("/sys/class/dmi/id/product_uuid"),
                "bootID": _read("/proc/sys/kernel/random/boot_id"),
                "kernelVersion": platform.release(),
                "osImage": _os_image(),
                "containerRuntimeVersion": f"jobyard-{self.runtime.name}://{__version__}",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": _arch(),
            },
            "images": images,
        }

    def _disk_low(self) -> bool:
        usage = shutil.disk_usage(self.config.data_dir)
        return usage.free < usage.total * _EVICTION_DISK_FRACTION

    def node_manifest(self) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.node_name,
                "labels": {
                    "kubernetes.io/hostname": self.node_name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": _arch(),
                    "beta.kubernetes.io/os": "linux",
                    "beta.kubernetes.io/arch": _arch(),
                    "node-role.kubernetes.io/control-plane": "",
                },
            },
            "spec": {},
        }

    def register(self) -> None:
        """Create the Node if it does not exist, then report its status."""
        with contextlib.suppress(AlreadyExists):
            self.client.create("nodes", "", self.node_manifest())
        self.heartbeat()

    def heartbeat(self) -> None:
        node = self.client.find("nodes", "", self.node_name)
        if node is None:
            self.register()
            return
        node["status"] = self.node_status(node.get("status"))
        try:
            self.client.update("nodes", node, subresource="status")
        except StatusError as error:
            log.warning("kubelet: node status not written: %s", error)
        if node["status"]["conditions"][1]["status"] == "True":
            self._collect_images()

    def _collect_images(self) -> None:
        in_use = {
            container.get("image", "")
            for pod in self._my_pods()
            if (pod.get("status") or {}).get("phase") not in _TERMINAL
            for key in ("initContainers", "containers")
            for container in (pod.get("spec") or {}).get(key) or []
        }
        usage = shutil.disk_usage(self.config.data_dir)
        need = int(usage.total * _EVICTION_DISK_FRACTION * 2) - usage.free
        with contextlib.suppress(Exception):
            self.images.collect_garbage(in_use, max(need, 0))

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.node_status_update_seconds)
            self.heartbeat()

    def background(self) -> list[Any]:
        return [self._heartbeat_loop()]

    async def run(self) -> None:
        self.register()
        keep = {(p.get("metadata") or {}).get("uid", "") for p in self._my_pods()}
        active = {
            (p.get("metadata") or {}).get("uid", "")
            for p in self._my_pods()
            if (p.get("status") or {}).get("phase") not in _TERMINAL
        }
        # Containers die with the server (bubblewrap's --die-with-parent): none of an earlier run is kept.
        with contextlib.suppress(Exception):
            await self.runtime.cleanup_orphans(set())
        if self.network is not None:
            with contextlib.suppress(Exception):
                await self.network.reconcile(active)
        for directory in self.pods_dir.iterdir():
            if directory.name not in keep:
                await asyncio.to_thread(shutil.rmtree, directory, True)
        try:
            await super().run()
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """The node stops with the server: its containers die with it (they are reported lost on the next start)."""
        for worker in self.pod_workers.values():
            if worker.task is not None:
                worker.task.cancel()
        for worker in list(self.pod_workers.values()):
            for running in list(worker.running.values()):
                with contextlib.suppress(ProcessLookupError):
                    running.signal(9)
        with contextlib.suppress(Exception):
            await self.runtime.remove_all()
        # The host keeps no bridge or address of a stopped node; the next start makes them again.
        if self.network is not None:
            with contextlib.suppress(Exception):
                await self.network.remove()

    def _my_pods(self) -> list[Obj]:
        return [p for p in self.client.peek_all("pods") if (p.get("spec") or {}).get("nodeName") == self.node_name]

    # -- pods ------------------------------------------------------------

    def on_event(self, resource: str, event_type: str, obj: dict) -> None:
        if (obj.get("spec") or {}).get("nodeName") != self.node_name:
            return
        meta = obj["metadata"]
        uid = meta.get("uid", "")
        worker = self.pod_workers.get(uid)
        if event_type == "DELETED":
            self._finished.discard(uid)
            if worker is not None:
                worker.gone()
            else:
                self._remove_pod_dir(uid)
            return
        if worker is not None:
            worker.update(obj)
            return
        phase = (obj.get("status") or {}).get("phase")
        if phase in _TERMINAL or uid in self._finished:
            if meta.get("deletionTimestamp"):
                self._delete_now(obj)
            return
        worker = PodWorker(self, obj)
        self.pod_workers[uid] = worker
        worker.update(obj)
        worker.start()
        assert worker.task is not None
        worker.task.add_done_callback(lambda _task: self._worker_done(uid))

    def _worker_done(self, uid: str) -> None:
        worker = self.pod_workers.pop(uid, None)
        if worker is not None and worker.deleted:
            self._remove_pod_dir(uid)
        else:
            self._finished.add(uid)

    def _remove_pod_dir(self, uid: str) -> None:
        """A deleted pod's logs and volumes go with it."""
        directory = self.pods_dir / uid
        if uid and directory.is_dir():
            asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, directory, True)

    def _delete_now(self, pod: Obj) -> None:
        meta = pod["metadata"]
        with contextlib.suppress(NotFound, StatusError):
            self.client.delete(
                "pods",
                meta["namespace"],
                meta["name"],
                DeleteOptions(grace_period_seconds=0, precondition_uid=meta["uid"]),
            )

    async def reconcile(self, key: str) -> float | None:
        return None

    # -- helpers for workers -------------------------------------------------

    def event(self, pod: Obj, event_type: str, reason: str, message: str, field_path: str = "") -> None:
        self.recorder.record({"apiVersion": "v1", "kind": "Pod", **pod}, event_type, reason, message, field_path)

    def backoff(self, failures: int) -> float:
        return backoff_delay(
            failures, self.config.kubelet_backoff_base_seconds, self.config.kubelet_backoff_cap_seconds
        )

    def lookup(self, namespace: str) -> Lookup:
        def find(kind: str, name: str) -> Obj | None:
            return self.client.find(kind, namespace, name)

        return find

    def pull_credentials(self, pod: Obj) -> list[Any]:
        credentials: list[Any] = []
        namespace = pod["metadata"].get("namespace", "")
        for ref in (pod.get("spec") or {}).get("imagePullSecrets") or []:
            secret = self.client.find("secrets", namespace, ref.get("name", ""))
            data = ((secret or {}).get("data") or {}).get(".dockerconfigjson")
            if data:
                with contextlib.suppress(ValueError):
                    credentials += credentials_from_dockerconfigjson(base64.b64decode(data))
        return credentials

    # -- logs --------------------------------------------------------------

    def log_file(self, pod: Obj, options: LogOptions) -> tuple[Path, Callable[[], bool]]:
        """The log files to read for a pods/log request, and whether the container still writes to them."""
        meta = pod["metadata"]
        name = meta["name"]
        spec: Obj = pod.get("spec") or {}
        containers = [c["name"] for c in spec.get("containers") or []]
        init = [c["name"] for c in spec.get("initContainers") or []]
        container = options.container
        if not container:
            if len(containers) != 1:
                message = f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
                if init:
                    message += f" or one of the init containers: [{' '.join(init)}]"
                raise BadRequest(message)
            container = containers[0]
        if container not in containers + init:
            raise BadRequest(f"container {container} is not valid for pod {name}")
        status: Obj = pod.get("status") or {}
        statuses = {
            s.get("name"): s
            for s in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
        }
        reported = statuses.get(container) or {}
        restarts = int(reported.get("restartCount", 0))
        directory = self.pods_dir / meta.get("uid", "") / "logs" / container
        if options.previous:
            path = directory / f"{restarts - 1}.log"
            if not reported.get("lastState", {}).get("terminated") or not path.exists():
                raise BadRequest(f'previous terminated container "{container}" in pod "{name}" not found')
            return path, lambda: False
        path = directory / f"{restarts}.log"
        if not path.exists():
            waiting: Obj = (reported.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason", "ContainerCreating")
            if reason in ("ErrImagePull", "ImagePullBackOff"):
                reason = "trying and failing to pull image"
            raise BadRequest(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        worker = self.pod_workers.get(meta.get("uid", ""))

        def writing() -> bool:
            return worker is not None and container in worker.running

        return path, writing

    async def pod_logs(self, pod: Obj, options: LogOptions) -> AsyncIterator[bytes]:
        path, writing = self.log_file(pod, options)
        since = options.since_time
        if options.since_seconds is not None:
            since = self.clock() - options.since_seconds
        if not options.follow:
            yield logs.read_logs(
                path,
                tail_lines=options.tail_lines,
                since_time=since,
                timestamps=options.timestamps,
                limit_bytes=options.limit_bytes,
            )
            return
        async for chunk in logs.follow_logs(
            path,
            done=lambda: not writing(),
            tail_lines=options.tail_lines,
            since_time=since,
            timestamps=options.timestamps,
            limit_bytes=options.limit_bytes,
        ):
            yield chunk
