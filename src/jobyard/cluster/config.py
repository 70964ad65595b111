"""Settings of one embedded cluster, as ``jobyard up`` passes them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CONTROLLERS", "ClusterConfig", "default_data_dir"]

# The controllers the cluster runs, named as kube-controller-manager's --controllers.
CONTROLLERS = frozenset(
    {"namespace", "serviceaccount", "garbage-collector", "pod-garbage-collector", "ttl-after-finished", "job"}
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

    @property
    def kubeconfig_path(self) -> Path:
        return self.data_dir / "kubeconfig"
