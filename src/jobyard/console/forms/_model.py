"""The wizard's typed model: one pydantic tree shared by the web wizard, the JSON API and the CLI.

Field names are snake_case in Python and camelCase on the wire (JSON, YAML); field paths in
validation errors use the wire names. Types are deliberately permissive where a person types
free text (quantities, paths, names): the rules live in ``validate`` so that every broken rule
comes back as a per-field message in the user's language instead of a pydantic error.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "DEFAULT_BACKOFF_LIMIT",
    "DEFAULT_INSTANCES",
    "DEFAULT_PARALLELISM",
    "DEFAULT_SESSION_AFFINITY_TIMEOUT",
    "AdvancedForm",
    "ContainerForm",
    "EnvVarForm",
    "HandlerForm",
    "HealthChecksForm",
    "JobForm",
    "KeyValue",
    "LifecycleForm",
    "LogForm",
    "PortForm",
    "ProbeForm",
    "ResourcesForm",
    "SecurityForm",
    "ServiceForm",
    "ServicePortForm",
    "StorageForm",
]

# dce-scope §3 and §6 give the old page's defaults (2 and 2) against the new page's (1 and 1);
# the issue settles on the old page's. backoffLimit 6 is the example's and upstream's default.
DEFAULT_INSTANCES = 2
DEFAULT_PARALLELISM = 2
DEFAULT_BACKOFF_LIMIT = 6
DEFAULT_SESSION_AFFINITY_TIMEOUT = 30

Protocol = Literal["TCP", "UDP", "SCTP"]
PortValue = int | str


class _Form(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class KeyValue(_Form):
    """One label or annotation row."""

    key: str = ""
    value: str = ""


class ResourcesForm(_Form):
    """Requests and limits as Kubernetes quantities (``250m``, ``512Mi``); blank means unset."""

    cpu_request: str | None = None
    cpu_limit: str | None = None
    memory_request: str | None = None
    memory_limit: str | None = None


class PortForm(_Form):
    name: str = ""
    container_port: int = 0
    protocol: Protocol = "TCP"


class HandlerForm(_Form):
    """A postStart or preStop hook: a command line, or an HTTP GET on the pod (or ``host``)."""

    type: Literal["exec", "httpGet"] = "exec"
    command: list[str] = Field(default_factory=list)
    path: str = ""
    port: PortValue = 0
    host: str = ""
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"


class LifecycleForm(_Form):
    command: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    post_start: HandlerForm | None = None
    pre_stop: HandlerForm | None = None


class ProbeForm(_Form):
    """One health check; the timing defaults are upstream's."""

    type: Literal["httpGet", "tcpSocket", "exec"] = "httpGet"
    path: str = ""
    port: PortValue = 0
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"
    command: list[str] = Field(default_factory=list)
    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3


class HealthChecksForm(_Form):
    liveness: ProbeForm | None = None
    readiness: ProbeForm | None = None
    startup: ProbeForm | None = None


EnvType = Literal["keyValue", "resource", "podField", "configMapKey", "secretKey", "configMap", "secret"]


class EnvVarForm(_Form):
    """One environment row of the seven kinds of dce-scope §4.4.

    ``source`` names the ConfigMap or Secret; ``resource`` is a container resource such as
    ``limits.memory``; ``field_path`` a pod field such as ``metadata.name``. The whole-ConfigMap
    and whole-Secret kinds become ``envFrom`` entries with ``prefix`` and have no ``name``.
    """

    type: EnvType = "keyValue"
    name: str = ""
    value: str = ""
    resource: str = ""
    field_path: str = ""
    source: str = ""
    key: str = ""
    prefix: str = ""


class StorageForm(_Form):
    """One volume mounted into the container.

    ``source`` is the ConfigMap or Secret name, or the node path of a hostPath; emptyDir has none.
    ``volume_name`` is normally left blank and generated; rows of different containers that name
    the same volume share it (an init container filling an emptyDir for the main one).
    """

    type: Literal["configMap", "secret", "emptyDir", "hostPath"] = "emptyDir"
    source: str = ""
    mount_path: str = ""
    sub_path: str = ""
    read_only: bool = False
    volume_name: str = ""


class LogForm(_Form):
    """A log directory (``/var/log/app``) or glob (``/var/log/app/*.log``) inside the container.

    The directory is mounted as an emptyDir and the glob listed in ``jobyard.io/log-paths``, so the
    node can follow the files from outside. ``volume_name`` is kept, like ``StorageForm``'s, only so a
    Job opened from YAML keeps its own volume names.
    """

    path: str = ""
    volume_name: str = ""


class SecurityForm(_Form):
    run_as_user: int | None = None
    run_as_non_root: bool = False
    read_only_root_filesystem: bool = False
    capabilities_add: list[str] = Field(default_factory=list)
    capabilities_drop: list[str] = Field(default_factory=list)


class ContainerForm(_Form):
    name: str = ""
    image: str = ""
    image_pull_secret: str = ""
    always_pull: bool = True
    privileged: bool = False
    resources: ResourcesForm = Field(default_factory=ResourcesForm)
    ports: list[PortForm] = Field(default_factory=list)
    lifecycle: LifecycleForm = Field(default_factory=LifecycleForm)
    health_checks: HealthChecksForm = Field(default_factory=HealthChecksForm)
    env: list[EnvVarForm] = Field(default_factory=list)
    storage: list[StorageForm] = Field(default_factory=list)
    security: SecurityForm = Field(default_factory=SecurityForm)
    logs: list[LogForm] = Field(default_factory=list)


class ServicePortForm(_Form):
    name: str = ""
    protocol: Literal["TCP", "UDP"] = "TCP"
    port: int = 0
    target_port: PortValue = 0
    node_port: int | None = None


class ServiceForm(_Form):
    """The optional Service of step 3; a blank name means the Job's, a missing selector ``app: <job>``."""

    name: str = ""
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    ports: list[ServicePortForm] = Field(default_factory=list)
    selector: list[KeyValue] | None = None
    session_affinity: bool = False
    session_affinity_timeout: int = DEFAULT_SESSION_AFFINITY_TIMEOUT
    external_traffic_policy: Literal["Cluster", "Local"] | None = None
    annotations: list[KeyValue] = Field(default_factory=list)


class AdvancedForm(_Form):
    parallelism: int = DEFAULT_PARALLELISM
    timeout_seconds: int | None = None
    """activeDeadlineSeconds; blank means no deadline (dce-scope §6 [C]: not the old page's "3")."""
    restart_policy: Literal["Never", "OnFailure"] = "Never"
    backoff_limit: int = DEFAULT_BACKOFF_LIMIT
    completion_mode: Literal["NonIndexed", "Indexed"] = "NonIndexed"
    ttl_seconds_after_finished: int | None = None
    suspend: bool = False
    labels: list[KeyValue] = Field(default_factory=list)
    annotations: list[KeyValue] = Field(default_factory=list)


class JobForm(_Form):
    name: str = ""
    cluster: str = ""
    namespace: str = "default"
    instances: int = DEFAULT_INSTANCES
    description: str = ""
    containers: list[ContainerForm] = Field(default_factory=list)
    init_containers: list[ContainerForm] = Field(default_factory=list)
    service: ServiceForm | None = None
    advanced: AdvancedForm = Field(default_factory=AdvancedForm)
