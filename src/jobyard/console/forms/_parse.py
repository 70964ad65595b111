"""Manifests → form: what the wizard can show of a Job written elsewhere (kubectl, YAML create).

Reading is lenient: anything the form cannot express is skipped here and carried over from the
original manifests by ``to_manifests`` (see ``_merge``). Values equal to what the form would
generate anyway (the ``app`` label, generated volume names) read back as the form's blanks, so a
form survives form → manifests → form unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from ._manifests import APP_LABEL, DESCRIPTION_ANNOTATION, LOG_PATHS_ANNOTATION, log_directory, log_glob, volume_name
from ._model import (
    DEFAULT_BACKOFF_LIMIT,
    DEFAULT_SESSION_AFFINITY_TIMEOUT,
    AdvancedForm,
    ContainerForm,
    EnvType,
    EnvVarForm,
    HandlerForm,
    HealthChecksForm,
    JobForm,
    KeyValue,
    LifecycleForm,
    LogForm,
    PortForm,
    ProbeForm,
    ResourcesForm,
    SecurityForm,
    ServiceForm,
    ServicePortForm,
    StorageForm,
)

__all__ = ["parse"]

Manifest = dict[str, Any]
# Upstream's default when sessionAffinity is ClientIP and no timeout is given (3 hours).
_UPSTREAM_AFFINITY_TIMEOUT = 10800


def parse(job: Manifest, service: Manifest | None = None) -> JobForm:
    meta = job.get("metadata") or {}
    spec = job.get("spec") or {}
    template = spec.get("template") or {}
    pod_meta = template.get("metadata") or {}
    pod = template.get("spec") or {}
    name = meta.get("name") or ""
    labels = dict(pod_meta.get("labels") or {})
    if labels.get(APP_LABEL) == name:
        del labels[APP_LABEL]
    annotations = dict(pod_meta.get("annotations") or {})
    log_paths = _log_paths(annotations.pop(LOG_PATHS_ANNOTATION, ""))
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    secrets = [s.get("name") or "" for s in pod.get("imagePullSecrets") or []]
    raw_init, raw_containers = pod.get("initContainers") or [], pod.get("containers") or []
    for_each = secrets * (len(raw_init) + len(raw_containers)) if len(secrets) == 1 else secrets
    init_secrets, container_secrets = for_each[: len(raw_init)], for_each[len(raw_init) :]
    parallelism = spec.get("parallelism", 1)
    restart_policy = pod.get("restartPolicy")
    form = JobForm(
        name=name,
        namespace=meta.get("namespace") or "default",
        # A work-queue Job (no completions) shows as many instances as it runs at once.
        instances=spec.get("completions", parallelism),
        description=(meta.get("annotations") or {}).get(DESCRIPTION_ANNOTATION, ""),
        init_containers=[
            _container(c, True, i, volumes, log_paths, _at(init_secrets, i)) for i, c in enumerate(raw_init)
        ],
        containers=[
            _container(c, False, i, volumes, log_paths, _at(container_secrets, i)) for i, c in enumerate(raw_containers)
        ],
        advanced=AdvancedForm(
            parallelism=parallelism,
            timeout_seconds=spec.get("activeDeadlineSeconds"),
            restart_policy=restart_policy if restart_policy in ("Never", "OnFailure") else "Never",
            backoff_limit=spec.get("backoffLimit", DEFAULT_BACKOFF_LIMIT),
            completion_mode=spec.get("completionMode") or "NonIndexed",
            ttl_seconds_after_finished=spec.get("ttlSecondsAfterFinished"),
            suspend=bool(spec.get("suspend")),
            labels=_rows(labels),
            annotations=_rows(annotations),
        ),
    )
    if service is not None:
        form.service = _service(service, form)
    return form


def _at(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""


def _rows(pairs: dict[str, Any]) -> list[KeyValue]:
    return [KeyValue(key=k, value=str(v)) for k, v in pairs.items()]


def _log_paths(annotation: str) -> dict[str, list[str]]:
    try:
        paths = json.loads(annotation) if annotation else {}
    except ValueError:
        return {}
    if not isinstance(paths, dict):
        return {}
    return {str(k): [str(p) for p in v] for k, v in paths.items() if isinstance(v, list)}


def _container(
    raw: Manifest,
    init: bool,
    index: int,
    volumes: dict[str, Manifest],
    log_paths: dict[str, list[str]],
    pull_secret: str,
) -> ContainerForm:
    name = raw.get("name") or ""
    image = raw.get("image") or ""
    mounts = raw.get("volumeMounts") or []
    logs, log_mounts = _logs(log_paths.get(name, []), mounts, volumes, init, index)
    storage: list[StorageForm] = []
    for mount in mounts:
        if mount.get("mountPath") in log_mounts:
            continue
        row = _storage(mount, volumes.get(mount.get("name")))
        if row is not None:
            if row.volume_name == volume_name(row.model_copy(update={"volume_name": ""}), init, index, len(storage)):
                row.volume_name = ""
            storage.append(row)
    security = raw.get("securityContext") or {}
    lifecycle = raw.get("lifecycle") or {}
    return ContainerForm(
        name=name,
        image=image,
        image_pull_secret=pull_secret,
        always_pull=raw.get("imagePullPolicy", _upstream_pull_policy(image)) == "Always",
        privileged=bool(security.get("privileged")),
        resources=_resources(raw.get("resources") or {}),
        ports=[
            PortForm(
                name=p.get("name") or "", container_port=p.get("containerPort", 0), protocol=p.get("protocol", "TCP")
            )
            for p in raw.get("ports") or []
        ],
        lifecycle=LifecycleForm(
            command=list(raw.get("command") or []),
            args=list(raw.get("args") or []),
            post_start=_handler(lifecycle.get("postStart")),
            pre_stop=_handler(lifecycle.get("preStop")),
        ),
        health_checks=HealthChecksForm(
            liveness=_probe(raw.get("livenessProbe")),
            readiness=_probe(raw.get("readinessProbe")),
            startup=_probe(raw.get("startupProbe")),
        ),
        env=[row for row in map(_env, raw.get("env") or []) if row is not None]
        + [row for row in map(_env_from, raw.get("envFrom") or []) if row is not None],
        storage=storage,
        security=SecurityForm(
            run_as_user=security.get("runAsUser"),
            run_as_non_root=bool(security.get("runAsNonRoot")),
            read_only_root_filesystem=bool(security.get("readOnlyRootFilesystem")),
            capabilities_add=list((security.get("capabilities") or {}).get("add") or []),
            capabilities_drop=list((security.get("capabilities") or {}).get("drop") or []),
        ),
        logs=logs,
    )


def _upstream_pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    tagged = ":" in last and not last.endswith(":latest")
    return "IfNotPresent" if tagged or "@" in image else "Always"


def _logs(
    globs: list[str], mounts: list[Manifest], volumes: dict[str, Manifest], init: bool, index: int
) -> tuple[list[LogForm], set[str]]:
    """The log rows whose directory has an emptyDir mounted on it, and those mount paths."""
    logs: list[LogForm] = []
    taken: set[str] = set()
    empty_dirs = {
        m.get("mountPath"): m.get("name") for m in mounts if "emptyDir" in volumes.get(m.get("name") or "", {})
    }
    for glob in globs:
        directory_form = LogForm(path=glob.removesuffix("/*"))
        log = directory_form if log_glob(directory_form) == glob else LogForm(path=glob)
        directory = log_directory(log)
        if directory not in empty_dirs:
            continue
        name = empty_dirs[directory] or ""
        if name != volume_name(log, init, index, len(logs)):
            log.volume_name = name
        logs.append(log)
        taken.add(directory)
    return logs, taken


def _storage(mount: Manifest, volume: Manifest | None) -> StorageForm | None:
    if volume is None:
        return None
    row = StorageForm(
        mount_path=mount.get("mountPath") or "",
        sub_path=mount.get("subPath") or "",
        read_only=bool(mount.get("readOnly")),
        volume_name=volume.get("name") or "",
    )
    if "configMap" in volume:
        row.type, row.source = "configMap", (volume["configMap"] or {}).get("name") or ""
    elif "secret" in volume:
        row.type, row.source = "secret", (volume["secret"] or {}).get("secretName") or ""
    elif "hostPath" in volume:
        row.type, row.source = "hostPath", (volume["hostPath"] or {}).get("path") or ""
    elif "emptyDir" not in volume:
        return None
    return row


def _resources(raw: Manifest) -> ResourcesForm:
    requests, limits = raw.get("requests") or {}, raw.get("limits") or {}

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    return ResourcesForm(
        cpu_request=text(requests.get("cpu")),
        cpu_limit=text(limits.get("cpu")),
        memory_request=text(requests.get("memory")),
        memory_limit=text(limits.get("memory")),
    )


def _handler(raw: Manifest | None) -> HandlerForm | None:
    if not raw:
        return None
    if "exec" in raw:
        return HandlerForm(type="exec", command=list((raw["exec"] or {}).get("command") or []))
    if "httpGet" in raw:
        http = raw["httpGet"] or {}
        return HandlerForm(
            type="httpGet",
            path=http.get("path") or "",
            port=http.get("port", 0),
            host=http.get("host") or "",
            scheme=http.get("scheme") or "HTTP",
        )
    return None


def _probe(raw: Manifest | None) -> ProbeForm | None:
    if not raw:
        return None
    timing = {
        "initial_delay_seconds": raw.get("initialDelaySeconds", 0),
        "period_seconds": raw.get("periodSeconds", 10),
        "timeout_seconds": raw.get("timeoutSeconds", 1),
        "success_threshold": raw.get("successThreshold", 1),
        "failure_threshold": raw.get("failureThreshold", 3),
    }
    if "exec" in raw:
        return ProbeForm(type="exec", command=list((raw["exec"] or {}).get("command") or []), **timing)
    if "tcpSocket" in raw:
        return ProbeForm(type="tcpSocket", port=(raw["tcpSocket"] or {}).get("port", 0), **timing)
    if "httpGet" in raw:
        http = raw["httpGet"] or {}
        return ProbeForm(
            type="httpGet",
            path=http.get("path") or "",
            port=http.get("port", 0),
            scheme=http.get("scheme") or "HTTP",
            **timing,
        )
    return None


def _env(raw: Manifest) -> EnvVarForm | None:
    name = raw.get("name") or ""
    source = raw.get("valueFrom")
    if not source:
        return EnvVarForm(type="keyValue", name=name, value=raw.get("value") or "")
    if "resourceFieldRef" in source:
        return EnvVarForm(type="resource", name=name, resource=source["resourceFieldRef"].get("resource") or "")
    if "fieldRef" in source:
        return EnvVarForm(type="podField", name=name, field_path=source["fieldRef"].get("fieldPath") or "")
    refs: tuple[tuple[str, EnvType], ...] = (("configMapKeyRef", "configMapKey"), ("secretKeyRef", "secretKey"))
    for ref, kind in refs:
        if ref in source:
            selector = source[ref] or {}
            return EnvVarForm(type=kind, name=name, source=selector.get("name") or "", key=selector.get("key") or "")
    return None


def _env_from(raw: Manifest) -> EnvVarForm | None:
    refs: tuple[tuple[str, EnvType], ...] = (("configMapRef", "configMap"), ("secretRef", "secret"))
    for ref, kind in refs:
        if ref in raw:
            return EnvVarForm(type=kind, source=(raw[ref] or {}).get("name") or "", prefix=raw.get("prefix") or "")
    return None


def _service(raw: Manifest, form: JobForm) -> ServiceForm:
    meta = raw.get("metadata") or {}
    spec = raw.get("spec") or {}
    pod_app = {row.key: row.value for row in form.advanced.labels}.get(APP_LABEL, form.name)
    selector = spec.get("selector") or {}
    affinity = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
    name = meta.get("name") or ""
    kind, policy = spec.get("type"), spec.get("externalTrafficPolicy")
    return ServiceForm(
        name="" if name == form.name else name,
        type=kind if kind in ("NodePort", "LoadBalancer") else "ClusterIP",
        ports=[
            ServicePortForm(
                name=p.get("name") or "",
                protocol=p.get("protocol") or "TCP",
                port=p.get("port", 0),
                target_port=p.get("targetPort", p.get("port", 0)),
                node_port=p.get("nodePort"),
            )
            for p in spec.get("ports") or []
        ],
        selector=None if selector == {APP_LABEL: pod_app} else _rows(selector),
        session_affinity=spec.get("sessionAffinity") == "ClientIP",
        session_affinity_timeout=affinity.get("timeoutSeconds", _UPSTREAM_AFFINITY_TIMEOUT)
        if spec.get("sessionAffinity") == "ClientIP"
        else DEFAULT_SESSION_AFFINITY_TIMEOUT,
        external_traffic_policy=policy if policy in ("Cluster", "Local") else None,
        annotations=_rows(meta.get("annotations") or {}),
    )
