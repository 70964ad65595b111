"""Who may do what: DCE 5.0's roles as one pure check shared by the API and the UI.

A principal is a user's admin flag plus their role bindings. Each action has a
scope: a namespace, a cluster, or the platform. A binding counts towards an
action when it covers the action's scope:

- namespace actions: a Cluster Admin binding on that cluster, or a namespace
  role on that very namespace;
- cluster actions: any binding on that cluster (so an NS Viewer may list the
  cluster's namespaces, and the API shows them only their own);
- platform actions: any binding anywhere.

The platform Admin may do everything. docs/permissions.md holds the same
matrix as a table, and a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Action", "Binding", "Principal", "Role", "Scope", "allowed", "capabilities", "roles_allowed"]


class Role(StrEnum):
    CLUSTER_ADMIN = "cluster-admin"
    NS_ADMIN = "ns-admin"
    NS_EDITOR = "ns-editor"
    NS_VIEWER = "ns-viewer"


class Scope(StrEnum):
    NAMESPACE = "namespace"
    CLUSTER = "cluster"
    PLATFORM = "platform"


class Action(StrEnum):
    JOB_LIST = "job.list"
    JOB_GET = "job.get"
    JOB_LOGS = "job.logs"
    JOB_EVENTS = "job.events"
    JOB_YAML = "job.yaml"
    JOB_CREATE = "job.create"
    JOB_CREATE_PRIVILEGED = "job.create_privileged"
    JOB_EDIT = "job.edit"
    JOB_RERUN = "job.rerun"
    JOB_SUSPEND = "job.suspend"
    JOB_RESUME = "job.resume"
    JOB_DELETE = "job.delete"
    CONFIGMAP_LIST = "configmap.list"
    CONFIGMAP_CREATE = "configmap.create"
    SECRET_LIST = "secret.list"
    SECRET_CREATE = "secret.create"
    NAMESPACE_LABEL = "namespace.label"
    GRANT_NS_VIEWER = "grant.ns_viewer"
    GRANT_NS_EDITOR = "grant.ns_editor"
    GRANT_NS_ADMIN = "grant.ns_admin"
    NAMESPACE_LIST = "namespace.list"
    NAMESPACE_CREATE = "namespace.create"
    NAMESPACE_DELETE = "namespace.delete"
    GRANT_CLUSTER_ADMIN = "grant.cluster_admin"
    CLUSTER_LIST = "cluster.list"
    CLUSTER_JOIN = "cluster.join"
    CLUSTER_REMOVE = "cluster.remove"
    REGISTRY_LIST = "registry.list"
    REGISTRY_ADD = "registry.add"
    REGISTRY_REMOVE = "registry.remove"
    USER_LIST = "user.list"
    USER_CREATE = "user.create"
    USER_DISABLE = "user.disable"
    AUDIT_VIEW = "audit.view"

    @property
    def scope(self) -> Scope:
        return _SCOPES[self]


_CLUSTER_ADMIN = frozenset({Role.CLUSTER_ADMIN})
_NS_ADMIN_UP = _CLUSTER_ADMIN | {Role.NS_ADMIN}
_NS_EDITOR_UP = _NS_ADMIN_UP | {Role.NS_EDITOR}
_ANY_ROLE = frozenset(Role)
_ADMIN_ONLY: frozenset[Role] = frozenset()

# Action → (scope, roles besides the platform Admin that may take it).
_MATRIX: dict[Action, tuple[Scope, frozenset[Role]]] = {
    Action.JOB_LIST: (Scope.NAMESPACE, _ANY_ROLE),
    Action.JOB_GET: (Scope.NAMESPACE, _ANY_ROLE),
    Action.JOB_LOGS: (Scope.NAMESPACE, _ANY_ROLE),
    Action.JOB_EVENTS: (Scope.NAMESPACE, _ANY_ROLE),
    Action.JOB_YAML: (Scope.NAMESPACE, _ANY_ROLE),
    Action.JOB_CREATE: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.JOB_CREATE_PRIVILEGED: (Scope.NAMESPACE, _CLUSTER_ADMIN),
    Action.JOB_EDIT: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.JOB_RERUN: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.JOB_SUSPEND: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.JOB_RESUME: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.JOB_DELETE: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.CONFIGMAP_LIST: (Scope.NAMESPACE, _ANY_ROLE),
    Action.CONFIGMAP_CREATE: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.SECRET_LIST: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.SECRET_CREATE: (Scope.NAMESPACE, _NS_EDITOR_UP),
    Action.NAMESPACE_LABEL: (Scope.NAMESPACE, _NS_ADMIN_UP),
    Action.GRANT_NS_VIEWER: (Scope.NAMESPACE, _NS_ADMIN_UP),
    Action.GRANT_NS_EDITOR: (Scope.NAMESPACE, _NS_ADMIN_UP),
    Action.GRANT_NS_ADMIN: (Scope.NAMESPACE, _CLUSTER_ADMIN),
    Action.NAMESPACE_LIST: (Scope.CLUSTER, _ANY_ROLE),
    Action.NAMESPACE_CREATE: (Scope.CLUSTER, _CLUSTER_ADMIN),
    Action.NAMESPACE_DELETE: (Scope.CLUSTER, _CLUSTER_ADMIN),
    Action.GRANT_CLUSTER_ADMIN: (Scope.CLUSTER, _CLUSTER_ADMIN),
    Action.CLUSTER_LIST: (Scope.PLATFORM, _ANY_ROLE),
    Action.CLUSTER_JOIN: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.CLUSTER_REMOVE: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.REGISTRY_LIST: (Scope.PLATFORM, _NS_EDITOR_UP),
    Action.REGISTRY_ADD: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.REGISTRY_REMOVE: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.USER_LIST: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.USER_CREATE: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.USER_DISABLE: (Scope.PLATFORM, _ADMIN_ONLY),
    Action.AUDIT_VIEW: (Scope.PLATFORM, _ADMIN_ONLY),
}
_SCOPES = {action: scope for action, (scope, _) in _MATRIX.items()}


@dataclass(frozen=True)
class Binding:
    """A role on a cluster (Cluster Admin) or on one namespace of a cluster (the NS roles)."""

    role: Role
    cluster: str
    namespace: str | None = None

    def __post_init__(self) -> None:
        if (self.role is Role.CLUSTER_ADMIN) != (self.namespace is None):
            scope = "a whole cluster" if self.role is Role.CLUSTER_ADMIN else "one namespace"
            raise ValueError(
                f"{self.role} is granted on {scope}: cluster={self.cluster!r} namespace={self.namespace!r}"
            )

    def covers(self, scope: Scope, cluster: str | None, namespace: str | None) -> bool:
        if scope is Scope.PLATFORM:
            return True
        if self.cluster != cluster:
            return False
        return scope is Scope.CLUSTER or self.namespace is None or self.namespace == namespace


@dataclass(frozen=True)
class Principal:
    """Everything the check needs to know about a user."""

    is_admin: bool = False
    bindings: frozenset[Binding] = field(default_factory=frozenset)

    @classmethod
    def of(cls, is_admin: bool, bindings: Iterable[Binding]) -> Principal:
        return cls(is_admin, frozenset(bindings))


def roles_allowed(action: Action) -> frozenset[Role]:
    """The roles that may take ``action`` (the platform Admin always may)."""
    return _MATRIX[action][1]


def allowed(principal: Principal, action: Action, cluster: str | None = None, namespace: str | None = None) -> bool:
    """Whether ``principal`` may take ``action`` on ``cluster``/``namespace``.

    The action reads only the scope it needs; a missing one is a programming
    error and raises ValueError rather than quietly denying.
    """
    scope, roles = _MATRIX[action]
    _require_scope(action, scope, cluster, namespace)
    if principal.is_admin:
        return True
    return any(binding.role in roles and binding.covers(scope, cluster, namespace) for binding in principal.bindings)


def capabilities(principal: Principal, cluster: str | None = None, namespace: str | None = None) -> frozenset[Action]:
    """Every action ``principal`` may take at this place, for the UI to show or hide.

    Platform actions are always judged; cluster actions when ``cluster`` is
    given; namespace actions when ``namespace`` is given too.
    """
    if namespace is not None and cluster is None:
        raise ValueError(f"namespace {namespace!r} given without its cluster")
    reachable = {Scope.PLATFORM}
    if cluster is not None:
        reachable.add(Scope.CLUSTER)
    if namespace is not None:
        reachable.add(Scope.NAMESPACE)
    return frozenset(
        action for action in Action if action.scope in reachable and allowed(principal, action, cluster, namespace)
    )


def _require_scope(action: Action, scope: Scope, cluster: str | None, namespace: str | None) -> None:
    if scope is not Scope.PLATFORM and cluster is None:
        raise ValueError(f"{action} needs a cluster")
    if scope is Scope.NAMESPACE and namespace is None:
        raise ValueError(f"{action} needs a namespace")
