"""Settings of one embedded cluster, as ``jobyard up`` passes them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CONTROLLERS", "ClusterConfig", "default_data_dir"]

# The controllers the cluster runs, named as kube-controller-manager's --controllers.
CONTROLLERS = frozenset(
    {
        "namespace",
        "serviceaccount",
        "garbage-collector",
        "pod-garbage-collector",
        "ttl-after-finished",
        "job",
        "endpoint",
        # Not kube-controller-manager's: it plays kube-apiserver's --event-ttl.
        "event-ttl",
    }
)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jobyard"


@dataclass(frozen=True)
class ClusterConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    api_port: int = 6443
    # Events a watcher may fall behind by before it is closed with 410 Expired.
    watch_queue_size: int = 1000
    # Events kept for watches that resume from a resourceVersion.
    watch_history_size: int = 10000
    # How often a watch that asked for bookmarks gets one.
    bookmark_interval_seconds: float = 60.0
    # How long a graceful stop may take before open connections are cut.
    shutdown_timeout_seconds: float = 3.0
    # Which controllers run; fewer serve the API alone, as envtest's kube-apiserver does.
    controllers: frozenset[str] = CONTROLLERS
    # Jobs the Job controller syncs at once (upstream's --concurrent-job-syncs).
    concurrent_job_syncs: int = 5
    # Pod-creation backoff after failures: base doubling up to cap, as upstream (10 s, 600 s).
    job_backoff_base_seconds: float = 10.0
    job_backoff_cap_seconds: float = 600.0
    # How long pod events wait before their Job syncs, so a burst becomes one sync
    # (upstream's 1 s). A sync replaces at most `parallelism` pods, so this bounds
    # a Job's pace at parallelism per period.
    job_pod_batch_seconds: float = 1.0
    # Run the node (scheduler and kubelet) so pods really run; a control plane alone leaves them Pending.
    node: bool = True
    # The Node's name; empty means the host name.
    node_name: str = ""
    # "sandbox" (bubblewrap) or "process" (no isolation, for machines without bubblewrap).
    container_runtime: str = "sandbox"
    # Registries pulled from over plain HTTP besides loopback ones (host[:port]).
    insecure_registries: tuple[str, ...] = ()
    # Addresses pods get when the node runs as root (each pod its own network namespace);
    # empty picks a /24 of 10.88.0.0/16 from the data dir, so clusters on one host differ.
    pod_cidr: str = ""
    # The kubelet's --max-pods.
    max_pods: int = 110
    # Container restart and image pull back-off: the first retry is at once, then base doubling to cap.
    kubelet_backoff_base_seconds: float = 10.0
    kubelet_backoff_cap_seconds: float = 300.0
    # How often the kubelet reports the Node's status (its heartbeat).
    node_status_update_seconds: float = 10.0
    # A pod's status changes within this window become one write.
    status_coalesce_seconds: float = 0.05
    # Processes one container may run (the kubelet's --pod-max-pids); 0 is unlimited.
    pod_pids_limit: int = 4096
    # Container log rotation, as the kubelet's containerLogMaxSize / containerLogMaxFiles.
    container_log_max_bytes: int = 10 * 1024 * 1024
    container_log_max_files: int = 5
    # Events are deleted this long after their last write (kube-apiserver's --event-ttl).
    event_ttl_seconds: float = 3600.0

    @property
    def kubeconfig_path(self) -> Path:
        return self.data_dir / "kubeconfig"
