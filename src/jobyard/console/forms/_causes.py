"""Kubernetes ``Status`` → form errors: the cluster's verdict (a dry run, say) shown on the wizard's fields.

A 422 Invalid Status lists causes whose ``field`` is a manifest path
(``spec.template.spec.containers[0].image``); each is translated to the form path that generated
that part of the manifest. Causes on parts the form does not show land on the nearest field that
does, or on the form itself (path ``""``), with upstream's text in the message.
"""

from __future__ import annotations

import re
from typing import Any

from ._manifests import DESCRIPTION_ANNOTATION, volume_name
from ._messages import FieldError, Language, field_error
from ._model import ContainerForm, JobForm, LogForm, StorageForm

__all__ = ["map_status_causes"]

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")
Segments = list[str | int]

_JOB_SPEC = {
    "completions": "instances",
    "parallelism": "advanced.parallelism",
    "activeDeadlineSeconds": "advanced.timeoutSeconds",
    "backoffLimit": "advanced.backoffLimit",
    "completionMode": "advanced.completionMode",
    "ttlSecondsAfterFinished": "advanced.ttlSecondsAfterFinished",
    "suspend": "advanced.suspend",
}
_CONTAINER = {
    "name": "name",
    "image": "image",
    "imagePullPolicy": "alwaysPull",
    "command": "lifecycle.command",
    "args": "lifecycle.args",
    "livenessProbe": "healthChecks.liveness",
    "readinessProbe": "healthChecks.readiness",
    "startupProbe": "healthChecks.startup",
}
_SECURITY = {
    "privileged": "privileged",
    "runAsUser": "security.runAsUser",
    "runAsNonRoot": "security.runAsNonRoot",
    "readOnlyRootFilesystem": "security.readOnlyRootFilesystem",
}
_HANDLER_FIELDS = {
    "command": "command",
    "path": "path",
    "port": "port",
    "host": "host",
    "scheme": "scheme",
    "initialDelaySeconds": "initialDelaySeconds",
    "periodSeconds": "periodSeconds",
    "timeoutSeconds": "timeoutSeconds",
    "successThreshold": "successThreshold",
    "failureThreshold": "failureThreshold",
}
_MOUNT_FIELDS = {"mountPath": "mountPath", "subPath": "subPath", "readOnly": "readOnly", "name": "volumeName"}
_ENV_FIELDS = {"name": "name", "value": "value", "resource": "resource", "fieldPath": "fieldPath", "key": "key"}
_SERVICE_SPEC = {
    "type": "service.type",
    "selector": "service.selector",
    "sessionAffinity": "service.sessionAffinity",
    "sessionAffinityConfig": "service.sessionAffinityTimeout",
    "externalTrafficPolicy": "service.externalTrafficPolicy",
}
_SERVICE_PORT = {
    "name": "name",
    "protocol": "protocol",
    "port": "port",
    "targetPort": "targetPort",
    "nodePort": "nodePort",
}


def map_status_causes(status: dict[str, Any], form: JobForm, lang: Language = "en") -> list[FieldError]:
    """The errors of a Kubernetes ``Status`` about the Job or Service made from ``form``."""
    details = status.get("details") or {}
    service = details.get("kind") == "Service" or details.get("kind") == "services"
    if status.get("reason") == "AlreadyExists":
        path = "service.name" if service else "name"
        return [field_error(path, "nameTaken", lang, name=details.get("name", ""), namespace=form.namespace)]
    causes = details.get("causes") or []
    if not causes:
        return [field_error("", "rejected", lang, detail=status.get("message", ""))]
    errors = []
    for cause in causes:
        field = cause.get("field") or ""
        path = _service_path(_segments(field)) if service else _job_path(_segments(field), form)
        if cause.get("reason") == "FieldValueRequired":
            errors.append(field_error(path, "required", lang))
        else:
            detail = f"{field}: {cause.get('message', '')}" if path == "" and field else cause.get("message", "")
            errors.append(field_error(path, "rejected", lang, detail=detail))
    return errors


def _segments(field: str) -> Segments:
    out: Segments = []
    for name, index in _SEGMENT.findall(field):
        out.append(name if name else int(index) if index.isdigit() else index)
    return out


def _job_path(s: Segments, form: JobForm) -> str:
    match s:
        case ["metadata", "name", *_]:
            return "name"
        case ["metadata", "namespace", *_]:
            return "namespace"
        case ["metadata", "annotations", key, *_] if key == DESCRIPTION_ANNOTATION:
            return "description"
        case ["metadata" | "spec", "template", "metadata", "labels" | "annotations" as kind, *_]:
            return f"advanced.{kind}"
        case ["metadata", "labels" | "annotations" as kind, *_]:
            return f"advanced.{kind}"
        case ["spec", "template", "spec", "restartPolicy", *_]:
            return "advanced.restartPolicy"
        case ["spec", "template", "spec", "containers" | "initContainers" as group, int(i), *rest]:
            containers = form.containers if group == "containers" else form.init_containers
            if i >= len(containers):
                return group
            return _join(f"{group}[{i}]", _container_path(rest, containers[i]))
        case ["spec", "template", "spec", "volumes", int(i), *rest]:
            return _volume_path(i, rest, form)
        case ["spec", "template", "spec", "imagePullSecrets", *_]:
            for group in ("initContainers", "containers"):
                for i, c in enumerate(form.init_containers if group == "initContainers" else form.containers):
                    if c.image_pull_secret:
                        return f"{group}[{i}].imagePullSecret"
            return ""
        case ["spec", key, *_] if isinstance(key, str) and key in _JOB_SPEC:
            return _JOB_SPEC[key]
    return ""


def _join(prefix: str, rest: str) -> str:
    return f"{prefix}.{rest}" if rest else prefix


def _container_path(s: Segments, c: ContainerForm) -> str:
    match s:
        case ["resources", "requests" | "limits" as kind, "cpu" | "memory" as resource, *_]:
            return f"resources.{resource}{'Request' if kind == 'requests' else 'Limit'}"
        case ["resources", *_]:
            return "resources"
        case ["ports", int(j), *rest]:
            field = rest[0] if rest and rest[0] in ("name", "containerPort", "protocol") else ""
            return _join(f"ports[{j}]", str(field))
        case ["env", int(j), *rest]:
            return _env_path([e.type not in ("configMap", "secret") for e in c.env], j, rest)
        case ["envFrom", int(j), *rest]:
            return _env_path([e.type in ("configMap", "secret") for e in c.env], j, rest)
        case ["volumeMounts", int(j), *rest]:
            if j >= len(c.storage):
                return f"logs[{j - len(c.storage)}].path" if j - len(c.storage) < len(c.logs) else ""
            return _join(f"storage[{j}]", _MOUNT_FIELDS.get(str(rest[0]), "") if rest else "")
        case ["lifecycle", "postStart" | "preStop" as hook, *rest]:
            return _join(f"lifecycle.{hook}", _handler_field(rest))
        case ["securityContext", "capabilities", "add" | "drop" as kind, *rest]:
            return f"security.capabilities{kind.capitalize()}" + (f"[{rest[0]}]" if rest else "")
        case ["securityContext", key, *_] if isinstance(key, str) and key in _SECURITY:
            return _SECURITY[key]
        case ["securityContext", *_]:
            return "security"
        case [key, *rest] if isinstance(key, str) and key in _CONTAINER:
            path = _CONTAINER[key]
            return _join(path, _handler_field(rest)) if key.endswith("Probe") else path
    return ""


def _handler_field(s: Segments) -> str:
    # The action's own level (exec, httpGet, tcpSocket) is the probe's ``type`` in the form.
    fields = [x for x in s if isinstance(x, str) and x in _HANDLER_FIELDS]
    return _HANDLER_FIELDS[fields[-1]] if fields else ""


def _env_path(shown_here: list[bool], j: int, rest: Segments) -> str:
    """The form row of the j-th ``env`` (or ``envFrom``) entry: rows of both kinds share one list."""
    rows = [n for n, here in enumerate(shown_here) if here]
    if j >= len(rows):
        return "env"
    names = [x for x in rest if isinstance(x, str)]
    if "prefix" in names:
        field = "prefix"
    elif len(names) > 1 and names[-1] == "name":
        field = "source"
    else:
        field = _ENV_FIELDS.get(str(names[-1]), "") if names else ""
    return _join(f"env[{rows[j]}]", field)


def _volume_path(i: int, rest: Segments, form: JobForm) -> str:
    """The first storage or log row that generates the i-th volume."""
    seen: list[str] = []
    for init, group in ((True, "initContainers"), (False, "containers")):
        for ci, c in enumerate(form.init_containers if init else form.containers):
            rows: list[tuple[str, StorageForm | LogForm]] = [(f"storage[{j}]", row) for j, row in enumerate(c.storage)]
            rows += [(f"logs[{j}]", row) for j, row in enumerate(c.logs)]
            for n, (at, row) in enumerate(rows):
                name = volume_name(row, init, ci, n if n < len(c.storage) else n - len(c.storage))
                if name in seen:
                    continue
                if len(seen) == i:
                    field = "volumeName" if rest[:1] == ["name"] else "source" if at.startswith("storage") else "path"
                    return f"{group}[{ci}].{at}.{field}"
                seen.append(name)
    return ""


def _service_path(s: Segments) -> str:
    match s:
        case ["metadata", "name", *_]:
            return "service.name"
        case ["metadata", "annotations", *_]:
            return "service.annotations"
        case ["spec", "ports", int(j), *rest]:
            field = _SERVICE_PORT.get(str(rest[0]), "") if rest else ""
            return _join(f"service.ports[{j}]", field)
        case ["spec", "ports", *_]:
            return "service.ports"
        case ["spec", key, *_] if isinstance(key, str) and key in _SERVICE_SPEC:
            return _SERVICE_SPEC[key]
    return "service"
