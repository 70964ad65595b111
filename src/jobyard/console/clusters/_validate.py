"""Checking a kubeconfig before the console keeps it: reachable, trusted, signed in, Kubernetes, allowed.

Each failure is one code of the clusters catalog with the fields its message
needs, so the join form can say in the user's language what to fix.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from lightkube.config.models import Cluster as KubeconfigCluster
from lightkube.config.models import User as KubeconfigUser

from jobyard.console.forms import Language

from ._client import DEFAULT_TIMEOUT_SECONDS, InvalidKubeconfig, KubeClient, parse_kubeconfig
from ._errors import ClusterUnreachable, KubeError
from ._kinds import JOBS, SELF_SUBJECT_ACCESS_REVIEWS
from ._messages import cluster_message

__all__ = ["REQUIRED_ACCESS", "ValidationResult", "validate_kubeconfig"]

# (verb, API group, resource) the console uses everywhere on a cluster it manages.
REQUIRED_ACCESS: tuple[tuple[str, str, str], ...] = (
    ("list", "batch", "jobs"),
    ("create", "batch", "jobs"),
    ("create", "", "namespaces"),
    ("create", "", "secrets"),
)
# Where a cluster without SelfSubjectAccessReview is probed with a list of Jobs.
PROBE_NAMESPACE = "default"


@dataclass(frozen=True)
class ValidationResult:
    """``code`` is None when the kubeconfig works; otherwise it names what is wrong (a clusters message)."""

    code: str | None
    params: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    node_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.code is None

    def message(self, lang: Language) -> str:
        return "" if self.code is None else cluster_message(self.code, lang, **self.params)


async def validate_kubeconfig(text: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> ValidationResult:
    try:
        config = parse_kubeconfig(text)
    except InvalidKubeconfig as error:
        return ValidationResult("kubeconfigInvalid", {"detail": str(error)})
    server = config.cluster.server
    unusable = _outside_reference(config.cluster, config.user)
    if unusable is not None:
        return ValidationResult("kubeconfigNotSelfContained", {"field": unusable})
    try:
        client = KubeClient(text, timeout=timeout)
    except (ssl.SSLError, ValueError, OSError) as error:
        return ValidationResult("kubeconfigInvalid", {"detail": f"unusable certificate or key data: {error}"})
    try:
        return await _validate(client, server)
    finally:
        await client.aclose()


async def _validate(client: KubeClient, server: str) -> ValidationResult:
    try:
        version = str((await client.version())["gitVersion"])
    except ClusterUnreachable as error:
        return ValidationResult(error.why.value, {"server": server, "detail": error.detail})
    except KubeError as error:
        return _refusal(error, server, "get", "/version", otherwise="notKubernetes")
    try:
        node_count = await client.node_count()
    except KubeError as error:
        return _refusal(error, server, "list", "nodes")
    try:
        missing = await _missing_access(client)
    except KubeError as error:
        return _refusal(error, server, "check", "access")
    if missing is not None:
        verb, group, resource = missing
        return ValidationResult("forbidden", {"verb": verb, "resource": _resource_name(group, resource)})
    return ValidationResult(None, version=version, node_count=node_count)


def _refusal(
    error: KubeError, server: str, verb: str, resource: str, *, otherwise: str = "clusterError"
) -> ValidationResult:
    if isinstance(error, ClusterUnreachable):
        return ValidationResult(error.why.value, {"server": server, "detail": error.detail})
    if error.code == 401:
        return ValidationResult("unauthorized", {"server": server})
    if error.code == 403:
        return ValidationResult("forbidden", {"verb": verb, "resource": resource})
    return ValidationResult(otherwise, {"server": server, "detail": error.message})


async def _missing_access(client: KubeClient) -> tuple[str, str, str] | None:
    """The first access the kubeconfig's user lacks, asked by SelfSubjectAccessReview where the server has it."""
    for verb, group, resource in REQUIRED_ACCESS:
        review = {
            "apiVersion": SELF_SUBJECT_ACCESS_REVIEWS.api_version,
            "kind": SELF_SUBJECT_ACCESS_REVIEWS.kind,
            "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource}},
        }
        try:
            answer = await client.create(review)
        except KubeError as error:
            if error.code != 404:
                raise
            return await _probe_by_listing(client)
        if not answer.get("status", {}).get("allowed", False):
            return verb, group, resource
    return None


async def _probe_by_listing(client: KubeClient) -> tuple[str, str, str] | None:
    # Without access reviews (the embedded cluster has no RBAC), the request the
    # console makes most stands for all of them.
    try:
        await client.list(JOBS, namespace=PROBE_NAMESPACE)
    except KubeError as error:
        if error.code == 403:
            return "list", JOBS.group, JOBS.plural
        raise
    return None


def _outside_reference(cluster: KubeconfigCluster, user: KubeconfigUser | None) -> str | None:
    """The kubeconfig field that points outside the text: to files of the console's host, or programs to run it."""
    if cluster.certificate_auth is not None:
        return "certificate-authority"
    if user is None:
        return None
    for name, value in (
        ("exec", user.exec),
        ("auth-provider", user.auth_provider),
        ("tokenFile", user.token_file),
        ("client-certificate", user.client_cert),
        ("client-key", user.client_key),
    ):
        if value is not None:
            return name
    return None


def _resource_name(group: str, resource: str) -> str:
    return f"{resource}.{group}" if group else resource
