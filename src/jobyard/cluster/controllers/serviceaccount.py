"""Every namespace has a ``default`` ServiceAccount, as upstream's serviceaccounts controller ensures."""

from __future__ import annotations

from jobyard.cluster.errors import AlreadyExists

from ._runtime import Controller

DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccountController(Controller):
    name = "serviceaccount"
    watched = ("namespaces", "serviceaccounts")

    def keys_for(self, resource: str, obj: dict) -> list[str]:
        meta = obj.get("metadata") or {}
        return [meta.get("name", "") if resource == "namespaces" else meta.get("namespace", "")]

    async def reconcile(self, key: str) -> float | None:
        namespace = self.client.find("namespaces", "", key)
        if namespace is None or namespace["metadata"].get("deletionTimestamp"):
            return None
        if self.client.find("serviceaccounts", key, DEFAULT_SERVICE_ACCOUNT) is None:
            try:
                self.client.create(
                    "serviceaccounts",
                    key,
                    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT_SERVICE_ACCOUNT}},
                )
            except AlreadyExists:
                pass
        return None
