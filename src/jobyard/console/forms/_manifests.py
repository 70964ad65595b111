"""Form → manifests: the Job (and its Service) the wizard creates."""

from __future__ import annotations

import json
import re
from typing import Any

from ._model import (
    ContainerForm,
    EnvVarForm,
    HandlerForm,
    JobForm,
    KeyValue,
    LogForm,
    ProbeForm,
    ServiceForm,
    StorageForm,
)

__all__ = [
    "APP_LABEL",
    "DESCRIPTION_ANNOTATION",
    "LOG_PATHS_ANNOTATION",
    "generate",
    "log_directory",
    "log_glob",
    "needs_cluster_admin",
    "volume_name",
]

APP_LABEL = "app"
DESCRIPTION_ANNOTATION = "jobyard.io/description"
# Read by the node: JSON, container name → absolute globs inside that container's volume mounts.
LOG_PATHS_ANNOTATION = "jobyard.io/log-paths"

_GLOB = re.compile(r"[*?\[]")
Manifest = dict[str, Any]


def generate(form: JobForm) -> list[Manifest]:
    """The Job, then the Service when the form has one: the form alone, nothing carried over."""
    job = _job(form)
    return [job] if form.service is None else [job, _service(form.service, form)]


def needs_cluster_admin(form: JobForm) -> bool:
    """Privileged containers and hostPath volumes reach into the node: only a Cluster Admin may ask."""
    containers = [*form.init_containers, *form.containers]
    return any(c.privileged or any(s.type == "hostPath" for s in c.storage) for c in containers)


def log_directory(log: LogForm) -> str:
    """The directory an emptyDir is mounted on: the path itself, or the glob's fixed leading part."""
    parts = log.path.rstrip("/").split("/")
    if not _GLOB.search(log.path):
        return "/".join(parts) or "/"
    fixed = []
    for part in parts[:-1]:
        if _GLOB.search(part):
            break
        fixed.append(part)
    return "/".join(fixed) or "/"


def log_glob(log: LogForm) -> str:
    """The glob the node follows: a bare directory means every file directly in it."""
    return log.path if _GLOB.search(log.path) else log.path.rstrip("/") + "/*"


def volume_name(row: StorageForm | LogForm, init: bool, container_index: int, row_index: int) -> str:
    if row.volume_name:
        return row.volume_name
    kind = "logs" if isinstance(row, LogForm) else "vol"
    return f"{'init-' if init else ''}{kind}-{container_index}-{row_index}"


def _pairs(rows: list[KeyValue]) -> dict[str, str]:
    return {row.key: row.value for row in rows}


def _labels(form: JobForm) -> dict[str, str]:
    # The user's rows come last so a Job opened with its own ``app`` label keeps it.
    return {APP_LABEL: form.name, **_pairs(form.advanced.labels)}


def _job(form: JobForm) -> Manifest:
    advanced = form.advanced
    annotations = _pairs(advanced.annotations)
    job_annotations = dict(annotations)
    if form.description:
        job_annotations[DESCRIPTION_ANNOTATION] = form.description
    pod_annotations = dict(annotations)
    log_paths = {c.name: [log_glob(log) for log in c.logs] for c in [*form.init_containers, *form.containers] if c.logs}
    if log_paths:
        pod_annotations[LOG_PATHS_ANNOTATION] = json.dumps(log_paths, separators=(",", ":"))
    spec: Manifest = {
        "completions": form.instances,
        "parallelism": advanced.parallelism,
        "backoffLimit": advanced.backoff_limit,
        "completionMode": advanced.completion_mode,
        "suspend": advanced.suspend,
    }
    if advanced.timeout_seconds is not None:
        spec["activeDeadlineSeconds"] = advanced.timeout_seconds
    if advanced.ttl_seconds_after_finished is not None:
        spec["ttlSecondsAfterFinished"] = advanced.ttl_seconds_after_finished
    spec["template"] = {
        "metadata": _metadata(_labels(form), pod_annotations),
        "spec": _pod_spec(form),
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": form.name, "namespace": form.namespace, **_metadata(_labels(form), job_annotations)},
        "spec": spec,
    }


def _metadata(labels: dict[str, str], annotations: dict[str, str]) -> Manifest:
    return {"labels": labels, **({"annotations": annotations} if annotations else {})}


def _pod_spec(form: JobForm) -> Manifest:
    spec: Manifest = {"restartPolicy": form.advanced.restart_policy}
    if form.init_containers:
        spec["initContainers"] = [_container(c, True, i) for i, c in enumerate(form.init_containers)]
    spec["containers"] = [_container(c, False, i) for i, c in enumerate(form.containers)]
    volumes = _volumes(form)
    if volumes:
        spec["volumes"] = volumes
    secrets = dict.fromkeys(c.image_pull_secret for c in [*form.init_containers, *form.containers])
    secrets.pop("", None)
    if secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in secrets]
    return spec


def _volumes(form: JobForm) -> list[Manifest]:
    # Rows of different containers naming one volume share it; the first row's source wins
    # (validation reports rows that disagree).
    volumes: dict[str, Manifest] = {}
    for init, containers in ((True, form.init_containers), (False, form.containers)):
        for ci, container in enumerate(containers):
            for ri, row in enumerate(container.storage):
                volumes.setdefault(volume_name(row, init, ci, ri), _volume_source(row))
            for ri, log in enumerate(container.logs):
                volumes.setdefault(volume_name(log, init, ci, ri), {"emptyDir": {}})
    return [{"name": name, **source} for name, source in volumes.items()]


def _volume_source(row: StorageForm) -> Manifest:
    if row.type == "configMap":
        return {"configMap": {"name": row.source}}
    if row.type == "secret":
        return {"secret": {"secretName": row.source}}
    if row.type == "hostPath":
        return {"hostPath": {"path": row.source}}
    return {"emptyDir": {}}


def _container(container: ContainerForm, init: bool, index: int) -> Manifest:
    out: Manifest = {
        "name": container.name,
        "image": container.image,
        "imagePullPolicy": "Always" if container.always_pull else "IfNotPresent",
    }
    lifecycle = container.lifecycle
    if lifecycle.command:
        out["command"] = list(lifecycle.command)
    if lifecycle.args:
        out["args"] = list(lifecycle.args)
    if container.ports:
        out["ports"] = [
            {**({"name": p.name} if p.name else {}), "containerPort": p.container_port, "protocol": p.protocol}
            for p in container.ports
        ]
    env = [_env(e) for e in container.env if e.type not in ("configMap", "secret")]
    if env:
        out["env"] = env
    env_from = [_env_from(e) for e in container.env if e.type in ("configMap", "secret")]
    if env_from:
        out["envFrom"] = env_from
    out["resources"] = _resources(container)
    mounts = [_mount(row, volume_name(row, init, index, ri)) for ri, row in enumerate(container.storage)]
    mounts += [
        {"name": volume_name(log, init, index, ri), "mountPath": log_directory(log)}
        for ri, log in enumerate(container.logs)
    ]
    if mounts:
        out["volumeMounts"] = mounts
    hooks = {
        hook: _handler(handler)
        for hook, handler in (("postStart", lifecycle.post_start), ("preStop", lifecycle.pre_stop))
        if handler is not None
    }
    if hooks:
        out["lifecycle"] = hooks
    checks = container.health_checks
    for field, probe in (
        ("livenessProbe", checks.liveness),
        ("readinessProbe", checks.readiness),
        ("startupProbe", checks.startup),
    ):
        if probe is not None:
            out[field] = _probe(probe)
    out["securityContext"] = _security(container)
    return out


def _resources(container: ContainerForm) -> Manifest:
    r = container.resources
    requests = {k: v for k, v in (("cpu", r.cpu_request), ("memory", r.memory_request)) if v}
    limits = {k: v for k, v in (("cpu", r.cpu_limit), ("memory", r.memory_limit)) if v}
    return {**({"limits": limits} if limits else {}), **({"requests": requests} if requests else {})}


def _mount(row: StorageForm, name: str) -> Manifest:
    mount: Manifest = {"name": name, "mountPath": row.mount_path}
    if row.sub_path:
        mount["subPath"] = row.sub_path
    # ConfigMap volumes are read-only whatever the mount says (dce-scope §4.5); say so in the manifest.
    if row.read_only or row.type == "configMap":
        mount["readOnly"] = True
    return mount


def _env(row: EnvVarForm) -> Manifest:
    if row.type == "keyValue":
        return {"name": row.name, "value": row.value}
    if row.type == "resource":
        return {"name": row.name, "valueFrom": {"resourceFieldRef": {"resource": row.resource}}}
    if row.type == "podField":
        return {"name": row.name, "valueFrom": {"fieldRef": {"fieldPath": row.field_path}}}
    ref = "configMapKeyRef" if row.type == "configMapKey" else "secretKeyRef"
    return {"name": row.name, "valueFrom": {ref: {"name": row.source, "key": row.key}}}


def _env_from(row: EnvVarForm) -> Manifest:
    ref = "configMapRef" if row.type == "configMap" else "secretRef"
    return {**({"prefix": row.prefix} if row.prefix else {}), ref: {"name": row.source}}


def _http_get(path: str, port: int | str, scheme: str, host: str = "") -> Manifest:
    action: Manifest = {"port": port, "scheme": scheme}
    if path:
        action["path"] = path
    if host:
        action["host"] = host
    return action


def _handler(handler: HandlerForm) -> Manifest:
    if handler.type == "exec":
        return {"exec": {"command": list(handler.command)}}
    return {"httpGet": _http_get(handler.path, handler.port, handler.scheme, handler.host)}


def _probe(probe: ProbeForm) -> Manifest:
    if probe.type == "exec":
        action: Manifest = {"exec": {"command": list(probe.command)}}
    elif probe.type == "tcpSocket":
        action = {"tcpSocket": {"port": probe.port}}
    else:
        action = {"httpGet": _http_get(probe.path, probe.port, probe.scheme)}
    return {
        **action,
        "initialDelaySeconds": probe.initial_delay_seconds,
        "periodSeconds": probe.period_seconds,
        "timeoutSeconds": probe.timeout_seconds,
        "successThreshold": probe.success_threshold,
        "failureThreshold": probe.failure_threshold,
    }


def _security(container: ContainerForm) -> Manifest:
    s = container.security
    context: Manifest = {"privileged": container.privileged}
    if s.run_as_user is not None:
        context["runAsUser"] = s.run_as_user
    if s.run_as_non_root:
        context["runAsNonRoot"] = True
    if s.read_only_root_filesystem:
        context["readOnlyRootFilesystem"] = True
    capabilities = {k: list(v) for k, v in (("add", s.capabilities_add), ("drop", s.capabilities_drop)) if v}
    if capabilities:
        context["capabilities"] = capabilities
    return context


def _service(service: ServiceForm, form: JobForm) -> Manifest:
    selector = _pairs(service.selector) if service.selector is not None else {APP_LABEL: _labels(form)[APP_LABEL]}
    ports = []
    for row in service.ports:
        port: Manifest = {"protocol": row.protocol, "port": row.port, "targetPort": row.target_port}
        if row.name:
            port = {"name": row.name, **port}
        if row.node_port is not None:
            port["nodePort"] = row.node_port
        ports.append(port)
    spec: Manifest = {"type": service.type, "selector": selector, "ports": ports}
    if service.session_affinity:
        spec["sessionAffinity"] = "ClientIP"
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": service.session_affinity_timeout}}
    if service.external_traffic_policy is not None:
        spec["externalTrafficPolicy"] = service.external_traffic_policy
    metadata: Manifest = {"name": service.name or form.name, "namespace": form.namespace}
    if service.annotations:
        metadata["annotations"] = _pairs(service.annotations)
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}
