"""The embedded cluster's node: images, the sandbox runtime, pod networking and the kubelet.

:func:`build_node` puts them together the way ``jobyard up`` runs them: the
scheduler, the kubelet and (when pods get their own network namespaces) the
service proxy, each a controller over the in-process client.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jobyard.cluster.client import LocalClient
from jobyard.cluster.config import ClusterConfig
from jobyard.cluster.controllers import Controller
from jobyard.cluster.controllers.scheduler import SchedulerController

if TYPE_CHECKING:
    from jobyard.cluster.node.kubelet import Kubelet

__all__ = ["Node", "build_node", "node_names"]

# The range per-data-dir pod subnets are cut from when no pod CIDR is set.
AUTO_POD_RANGE = ipaddress.ip_network("10.88.0.0/16")


@dataclass(frozen=True)
class NodeNames:
    """Host-wide names one node owns, so two clusters on one machine never share them."""

    bridge: str
    pod_table: str
    services_table: str
    pod_cidr: str


def node_names(config: ClusterConfig) -> NodeNames:
    digest = hashlib.sha256(str(config.data_dir.resolve()).encode()).hexdigest()
    pod_cidr = config.pod_cidr
    if not pod_cidr:
        subnets = list(AUTO_POD_RANGE.subnets(new_prefix=24))
        pod_cidr = str(subnets[int(digest[:8], 16) % len(subnets)])
    return NodeNames(f"jy{digest[:8]}", f"jobyard-{digest[:8]}", f"jobyard-svc-{digest[:8]}", pod_cidr)


@dataclass
class Node:
    kubelet: Kubelet
    controllers: list[Controller]
    node_ip: str


def build_node(config: ClusterConfig, client: Callable[[str], LocalClient]) -> Node:
    """The scheduler, kubelet and service proxy of this cluster's one node."""
    from jobyard.cluster.node.images import ImageStore
    from jobyard.cluster.node.kubelet import Kubelet
    from jobyard.cluster.node.network import PodNetwork, ServiceProxy, ServiceProxyController
    from jobyard.cluster.node.runtime import ProcessRuntime, SandboxRuntime

    names = node_names(config)
    network = PodNetwork(
        state_dir=config.data_dir / "network",
        pod_cidr=names.pod_cidr,
        bridge=names.bridge,
        nft_table=names.pod_table,
    )
    runtime: SandboxRuntime | ProcessRuntime
    if config.container_runtime == "process":
        runtime = ProcessRuntime(config.data_dir / "runtime")
    else:
        runtime = SandboxRuntime(config.data_dir / "runtime", network)
    images = ImageStore(config.data_dir / "images", config.insecure_registries)
    kubelet = Kubelet(client("kubelet"), config, runtime, images, network.node_ip, network=network)
    controllers: list[Controller] = [SchedulerController(client("default-scheduler")), kubelet]
    if network.isolated and config.container_runtime != "process":
        controllers.append(ServiceProxyController(client("service-proxy"), ServiceProxy(names.services_table)))
    return Node(kubelet, controllers, network.node_ip)
