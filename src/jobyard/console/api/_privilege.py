"""Whether manifests reach into the node, which needs Cluster Admin (``job.create_privileged``).

The form's ``needs_cluster_admin`` answers for a form; YAML, and the manifests a cloned form
carries beside it, can ask for more than a form shows, so the manifests themselves are checked.
"""

from __future__ import annotations

from typing import Any

__all__ = ["reaches_into_the_node"]

# Sharing the node's network, process or IPC namespace gives a container the node as surely as
# privileged mode does.
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def reaches_into_the_node(manifest: dict[str, Any]) -> bool:
    if manifest.get("kind") != "Job":
        return False
    pod = ((manifest.get("spec") or {}).get("template") or {}).get("spec") or {}
    if any(pod.get(field) for field in _HOST_NAMESPACES):
        return True
    if any("hostPath" in (volume or {}) for volume in pod.get("volumes") or []):
        return True
    containers = [container for field in _CONTAINER_LISTS for container in pod.get(field) or []]
    return any(((container or {}).get("securityContext") or {}).get("privileged") for container in containers)
