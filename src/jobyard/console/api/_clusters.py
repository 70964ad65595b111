"""Joined clusters, and what the console manages on them besides Jobs; the image registries."""

from __future__ import annotations

from fastapi import APIRouter

from jobyard.console.auth import Action
from jobyard.console.clusters import ClusterInfo, validate_kubeconfig
from jobyard.console.forms import FieldError, Language, data_errors, message, namespace_errors, object_name_errors

from ._context import CallerDep
from ._errors import ApiError
from ._resource_schemas import NodeImageOut, RegistrySecretIn, ServiceOut
from ._schemas import (
    ClusterJoinIn,
    ClusterOut,
    ClusterValidation,
    ConfigMapIn,
    ConfigMapOut,
    NamespaceIn,
    NamespaceOut,
    PullSecretIn,
    RegistryIn,
    RegistryOut,
    SecretIn,
    SecretOut,
)

__all__ = ["router"]

router = APIRouter()
_NAMESPACE = "/clusters/{cluster}/namespaces/{namespace}"


def _cluster_out(info: ClusterInfo, lang: Language) -> ClusterOut:
    return ClusterOut(
        name=info.name,
        status=info.status.value,
        status_label=info.status.label(lang),
        version=info.version,
        node_count=info.node_count,
        last_check=info.last_check,
        created=info.created,
        problem=info.problem,
    )


@router.get("/clusters", tags=["clusters"], summary="The clusters the caller has a role on, with their status")
async def clusters(caller: CallerDep) -> list[ClusterOut]:
    return [_cluster_out(info, caller.lang) for info in caller.services.clusters.list_clusters(caller.user)]


@router.post("/clusters/validate", tags=["clusters"], summary="Check a kubeconfig without joining it (Admin)")
async def validate(body: ClusterJoinIn, caller: CallerDep) -> ClusterValidation:
    caller.require(Action.CLUSTER_JOIN, target=body.name)
    result = await validate_kubeconfig(body.kubeconfig)
    return ClusterValidation(
        ok=result.ok,
        code=result.code,
        message=result.message(caller.lang),
        version=result.version,
        node_count=result.node_count,
    )


@router.post("/clusters", tags=["clusters"], summary="Join a cluster by kubeconfig (Admin)", status_code=201)
async def join(body: ClusterJoinIn, caller: CallerDep) -> ClusterOut:
    info = await caller.services.clusters.join(caller.user, body.name, body.kubeconfig)
    return _cluster_out(info, caller.lang)


@router.delete("/clusters/{cluster}", tags=["clusters"], summary="Forget a cluster (Admin)", status_code=204)
async def remove(cluster: str, caller: CallerDep) -> None:
    """The cluster itself is left as it is; the console forgets its kubeconfig and the roles on it."""
    await caller.services.clusters.remove(caller.user, cluster)


@router.get("/clusters/{cluster}/namespaces", tags=["namespaces"], summary="Namespaces the caller may see")
async def namespaces(cluster: str, caller: CallerDep) -> list[NamespaceOut]:
    listed = await caller.services.resources.list_namespaces(caller.user, cluster)
    return [NamespaceOut.model_validate(namespace) for namespace in listed]


@router.post("/clusters/{cluster}/namespaces", tags=["namespaces"], summary="Create a namespace", status_code=201)
async def new_namespace(cluster: str, body: NamespaceIn, caller: CallerDep) -> NamespaceOut:
    caller.require(Action.NAMESPACE_CREATE, cluster, target=body.name)
    _refuse_if_any(namespace_errors(body.name, body.labels, caller.lang))
    created = await caller.services.resources.create_namespace(caller.user, cluster, body.name, body.labels)
    return NamespaceOut.model_validate(created)


@router.delete(_NAMESPACE, tags=["namespaces"], summary="Delete a namespace and all in it", status_code=204)
async def delete_namespace(cluster: str, namespace: str, caller: CallerDep) -> None:
    await caller.services.resources.delete_namespace(caller.user, cluster, namespace)


@router.get(f"{_NAMESPACE}/configmaps", tags=["configmaps"], summary="ConfigMaps: names and keys")
async def configmaps(cluster: str, namespace: str, caller: CallerDep) -> list[ConfigMapOut]:
    listed = await caller.services.resources.list_configmaps(caller.user, cluster, namespace)
    return [ConfigMapOut.model_validate(configmap) for configmap in listed]


@router.post(f"{_NAMESPACE}/configmaps", tags=["configmaps"], summary="Create a ConfigMap", status_code=201)
async def new_configmap(cluster: str, namespace: str, body: ConfigMapIn, caller: CallerDep) -> ConfigMapOut:
    caller.require(Action.CONFIGMAP_CREATE, cluster, namespace, target=body.name)
    _refuse_if_any(object_name_errors(body.name, caller.lang) + data_errors(body.data, caller.lang))
    created = await caller.services.resources.create_configmap(caller.user, cluster, namespace, body.name, body.data)
    return ConfigMapOut.model_validate(created)


@router.get(f"{_NAMESPACE}/secrets", tags=["secrets"], summary="Secrets: names, types and keys, never values")
async def secrets(cluster: str, namespace: str, caller: CallerDep) -> list[SecretOut]:
    listed = await caller.services.resources.list_secrets(caller.user, cluster, namespace)
    return [SecretOut.model_validate(secret) for secret in listed]


@router.post(f"{_NAMESPACE}/secrets", tags=["secrets"], summary="Create an Opaque Secret", status_code=201)
async def new_secret(cluster: str, namespace: str, body: SecretIn, caller: CallerDep) -> SecretOut:
    caller.require(Action.SECRET_CREATE, cluster, namespace, target=body.name)
    _refuse_if_any(object_name_errors(body.name, caller.lang) + data_errors(body.data, caller.lang))
    created = await caller.services.resources.create_secret(caller.user, cluster, namespace, body.name, body.data)
    return SecretOut.model_validate(created)


@router.post(
    f"{_NAMESPACE}/pull-secrets",
    tags=["secrets"],
    summary="Create an image pull Secret (kubernetes.io/dockerconfigjson) from a registry, user and password",
    status_code=201,
)
async def new_pull_secret(cluster: str, namespace: str, body: RegistrySecretIn, caller: CallerDep) -> SecretOut:
    caller.require(Action.SECRET_CREATE, cluster, namespace, target=body.name)
    missing = [name for name in ("server", "username", "password") if not getattr(body, name).strip()]
    errors = object_name_errors(body.name, caller.lang) + [
        FieldError(path=name, code="required", message=message("required", caller.lang)) for name in missing
    ]
    _refuse_if_any(errors)
    created = await caller.services.resources.create_registry_secret(
        caller.user,
        cluster,
        namespace,
        body.name,
        server=_server_of(body.server),
        username=body.username.strip(),
        password=body.password,
    )
    return SecretOut.model_validate(created)


def _server_of(registry: str) -> str:
    """host[:port], as ``.dockerconfigjson`` names a registry, whether or not the person typed a scheme."""
    text = registry.strip()
    return text.split("://", 1)[-1].rstrip("/")


@router.get(f"{_NAMESPACE}/services", tags=["services"], summary="Services with their ports and endpoints")
async def services(cluster: str, namespace: str, caller: CallerDep) -> list[ServiceOut]:
    listed = await caller.services.resources.list_services(caller.user, cluster, namespace)
    return [ServiceOut.model_validate(service) for service in listed]


@router.get("/clusters/{cluster}/images", tags=["clusters"], summary="The images the cluster's nodes hold")
async def node_images(cluster: str, caller: CallerDep) -> list[NodeImageOut]:
    listed = await caller.services.resources.list_node_images(caller.user, cluster)
    return [NodeImageOut.model_validate(image) for image in listed]


def _refuse_if_any(errors: list[FieldError]) -> None:
    """Names and keys are checked here, after the role and before the cluster, which words them in English only."""
    if errors:
        raise ApiError(422, "invalid", fields=errors)


def _registry_out(info: object) -> RegistryOut:
    return RegistryOut.model_validate(info)


@router.get("/registries", tags=["registries"], summary="Image registries, never their passwords")
async def registries(caller: CallerDep) -> list[RegistryOut]:
    return [_registry_out(info) for info in caller.services.registries.list_registries(caller.user)]


@router.post("/registries", tags=["registries"], summary="Add a registry (Admin)", status_code=201)
async def new_registry(body: RegistryIn, caller: CallerDep) -> RegistryOut:
    info = caller.services.registries.add(
        caller.user, body.name, body.url, username=body.username, password=body.password
    )
    return _registry_out(info)


@router.delete("/registries/{name}", tags=["registries"], summary="Remove a registry (Admin)", status_code=204)
async def remove_registry(name: str, caller: CallerDep) -> None:
    caller.services.registries.remove(caller.user, name)


@router.get("/registries/{name}/repositories", tags=["registries"], summary="The registry's repositories")
async def repositories(name: str, caller: CallerDep) -> list[str]:
    return await caller.services.registries.repositories(caller.user, name)


@router.get("/registries/{name}/tags", tags=["registries"], summary="The tags of one repository")
async def tags(name: str, repository: str, caller: CallerDep) -> list[str]:
    return await caller.services.registries.tags(caller.user, name, repository)


@router.post(
    "/registries/{name}/pull-secrets",
    tags=["registries"],
    summary="A pull Secret with the registry's credentials in a namespace",
    status_code=201,
)
async def pull_secret(name: str, body: PullSecretIn, caller: CallerDep) -> SecretOut:
    caller.require(Action.SECRET_CREATE, body.cluster, body.namespace, target=body.secret_name)
    _refuse_if_any(object_name_errors(body.secret_name, caller.lang, path="secretName"))
    created = await caller.services.registries.create_pull_secret(
        caller.user, name, cluster=body.cluster, namespace=body.namespace, secret_name=body.secret_name
    )
    return SecretOut.model_validate(created)
