"""Namespace deletion: empty a terminating namespace, then remove it.

As upstream's namespace controller: every namespaced object in it is deleted
(background propagation); objects held by finalizers are waited for; once
nothing is left the namespace itself goes.
"""

from __future__ import annotations

from jobyard.cluster import kinds
from jobyard.cluster.errors import NotFound
from jobyard.cluster.registry import DeleteOptions

from ._runtime import Controller

# How soon a namespace still holding objects is looked at again.
_RECHECK_SECONDS = 1.0


class NamespaceController(Controller):
    name = "namespace"
    watched = ("namespaces",)

    async def reconcile(self, key: str) -> float | None:
        namespace = self.client.find("namespaces", "", key)
        if namespace is None or not namespace["metadata"].get("deletionTimestamp"):
            return None
        remaining = 0
        for rtype in kinds.RESOURCE_TYPES:
            if not rtype.namespaced:
                continue
            for obj in self.client.list(rtype.qualified_plural, key):
                remaining += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.client.delete(
                        rtype.qualified_plural,
                        key,
                        obj["metadata"]["name"],
                        DeleteOptions(propagation_policy="Background"),
                    )
                except NotFound:
                    remaining -= 1
        if remaining:
            return _RECHECK_SECONDS
        self.client.finalize_namespace(key)
        return None
