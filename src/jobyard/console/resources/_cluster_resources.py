"""Namespaces, ConfigMaps and Secrets on a joined cluster, checked against the console's roles and audited.

Every call goes to the cluster; a failure there is a ``KubeError`` whose causes
the form layer maps onto fields. Secret values go to the cluster and never come
back: reads return :class:`SecretInfo`, and audit entries name keys, not values.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from jobyard.console.auth import Action, AuditResult, Clock, Role, allowed, principal_of, record_audit, require, utc_now
from jobyard.console.clusters import CONFIGMAPS, NAMESPACES, NODES, SECRETS, SERVICES, ClusterService, Propagation
from jobyard.console.db import User

from ._network import ENDPOINTS, NodeImage, ServiceInfo, node_images
from ._objects import DOCKER_CONFIG_JSON, ConfigMapInfo, NamespaceInfo, SecretInfo, docker_config_json

__all__ = ["ClusterResources"]

_NAMESPACE_ROLES = {Role.NS_ADMIN, Role.NS_EDITOR, Role.NS_VIEWER}


class ClusterResources:
    def __init__(
        self, clusters: ClusterService, session_factory: Callable[[], Session], clock: Clock = utc_now
    ) -> None:
        self._clusters = clusters
        self._sessions = session_factory
        self._clock = clock

    async def list_namespaces(self, actor: User, cluster: str) -> list[NamespaceInfo]:
        """The cluster's namespaces; one who holds only namespace roles there sees only those namespaces."""
        self._require(actor, Action.NAMESPACE_LIST, cluster)
        principal = principal_of(actor)
        listed = await self._clusters.client_for(cluster).list(NAMESPACES)
        namespaces = [NamespaceInfo.of(item) for item in listed.items]
        if allowed(principal, Action.NAMESPACE_CREATE, cluster):
            return namespaces
        own = {
            binding.namespace
            for binding in principal.bindings
            if binding.cluster == cluster and binding.role in _NAMESPACE_ROLES
        }
        return [namespace for namespace in namespaces if namespace.name in own]

    async def create_namespace(
        self, actor: User, cluster: str, name: str, labels: Mapping[str, str] | None = None
    ) -> NamespaceInfo:
        self._require(actor, Action.NAMESPACE_CREATE, cluster, target=name)
        manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels or {})}}
        created = await self._clusters.client_for(cluster).create(manifest)
        self._audit(actor, "namespace.create", cluster, None, name)
        return NamespaceInfo.of(created)

    async def delete_namespace(self, actor: User, cluster: str, name: str) -> None:
        """Delete a namespace and, through the cluster's namespace controller, everything in it."""
        self._require(actor, Action.NAMESPACE_DELETE, cluster, target=name)
        await self._clusters.client_for(cluster).delete(NAMESPACES, name, propagation=Propagation.BACKGROUND)
        self._audit(actor, "namespace.delete", cluster, None, name)

    async def list_configmaps(self, actor: User, cluster: str, namespace: str) -> list[ConfigMapInfo]:
        self._require(actor, Action.CONFIGMAP_LIST, cluster, namespace)
        listed = await self._clusters.client_for(cluster).list(CONFIGMAPS, namespace=namespace)
        return [ConfigMapInfo.of(item) for item in listed.items]

    async def create_configmap(
        self, actor: User, cluster: str, namespace: str, name: str, data: Mapping[str, str]
    ) -> ConfigMapInfo:
        self._require(actor, Action.CONFIGMAP_CREATE, cluster, namespace, target=name)
        manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}
        created = await self._clusters.client_for(cluster).create(manifest, namespace=namespace)
        self._audit(actor, "configmap.create", cluster, namespace, name)
        return ConfigMapInfo.of(created)

    async def list_secrets(self, actor: User, cluster: str, namespace: str) -> list[SecretInfo]:
        self._require(actor, Action.SECRET_LIST, cluster, namespace)
        listed = await self._clusters.client_for(cluster).list(SECRETS, namespace=namespace)
        return [SecretInfo.of(item) for item in listed.items]

    async def get_secret(self, actor: User, cluster: str, namespace: str, name: str) -> SecretInfo:
        self._require(actor, Action.SECRET_LIST, cluster, namespace, target=name)
        return SecretInfo.of(await self._clusters.client_for(cluster).get(SECRETS, name, namespace=namespace))

    async def create_secret(
        self, actor: User, cluster: str, namespace: str, name: str, data: Mapping[str, str]
    ) -> SecretInfo:
        """An Opaque Secret of text values."""
        encoded = {key: value.encode() for key, value in data.items()}
        return await self._create_secret(actor, cluster, namespace, name, "Opaque", encoded)

    async def create_registry_secret(
        self, actor: User, cluster: str, namespace: str, name: str, *, server: str, username: str, password: str
    ) -> SecretInfo:
        """An image pull Secret (``kubernetes.io/dockerconfigjson``) for ``server`` (host[:port])."""
        config = docker_config_json(server, username, password)
        return await self._create_secret(
            actor, cluster, namespace, name, DOCKER_CONFIG_JSON, {".dockerconfigjson": config}
        )

    async def list_services(self, actor: User, cluster: str, namespace: str) -> list[ServiceInfo]:
        """The namespace's Services, each with its current endpoints.

        Whoever may list the namespace's Jobs sees them: the wizard makes a Job's Service with it.
        """
        self._require(actor, Action.JOB_LIST, cluster, namespace)
        client = self._clusters.client_for(cluster)
        services, endpoints = await asyncio.gather(
            client.list(SERVICES, namespace=namespace), client.list(ENDPOINTS, namespace=namespace)
        )
        by_name = {item.get("metadata", {}).get("name"): item for item in endpoints.items}
        listed = [ServiceInfo.of(item, by_name.get(item.get("metadata", {}).get("name"))) for item in services.items]
        return sorted(listed, key=lambda service: service.name)

    async def list_node_images(self, actor: User, cluster: str) -> list[NodeImage]:
        """The images the cluster's nodes hold (``status.images``), for anyone with a role on the cluster."""
        self._require(actor, Action.NAMESPACE_LIST, cluster)
        return node_images((await self._clusters.client_for(cluster).list(NODES)).items)

    async def _create_secret(
        self, actor: User, cluster: str, namespace: str, name: str, secret_type: str, data: Mapping[str, bytes]
    ) -> SecretInfo:
        self._require(actor, Action.SECRET_CREATE, cluster, namespace, target=name)
        manifest = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name},
            "type": secret_type,
            "data": {key: base64.b64encode(value).decode() for key, value in data.items()},
        }
        created = await self._clusters.client_for(cluster).create(manifest, namespace=namespace)
        self._audit(
            actor, "secret.create", cluster, namespace, name, detail=f"{secret_type}: {', '.join(sorted(data))}"
        )
        return SecretInfo.of(created)

    def _require(
        self, actor: User, action: Action, cluster: str, namespace: str | None = None, *, target: str | None = None
    ) -> None:
        with self._sessions() as session:
            require(session, actor, action, cluster=cluster, namespace=namespace, target=target, clock=self._clock)

    def _audit(
        self, actor: User, action: str, cluster: str, namespace: str | None, target: str, *, detail: str | None = None
    ) -> None:
        with self._sessions() as session:
            record_audit(
                session,
                user=actor.name,
                action=action,
                result=AuditResult.OK,
                cluster=cluster,
                namespace=namespace,
                target=target,
                detail=detail,
                clock=self._clock,
            )
