"""The wizard's field rules: a pure function from a form to per-field errors in the user's language.

Each field reports its first broken rule only, the way a form shows one message under a field.
Rules follow dce-scope (names of 4–63 characters, parallelism ≤ instances …) and, where the
wizard says nothing, upstream's validation, so a form that passes here passes the cluster too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from ._manifests import log_directory, volume_name
from ._messages import FieldError, Language, field_error
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
from ._quantity import quantity_value

__all__ = ["ENV_FIELD_PATHS", "ENV_RESOURCES", "validate"]

_NAME_CHARACTERS = re.compile(r"^[a-z0-9-]*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_CAPABILITY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_NAME = re.compile(r"^[\x20-\x3c\x3e-\x7e]+$")

ENV_RESOURCES = (
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.ephemeral-storage",
)
# Upstream's downward-API fields for env (metadata.labels['k'] and annotations['k'] take a key).
ENV_FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "metadata.labels['<key>']",
    "metadata.annotations['<key>']",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)
_ENV_FIELD_WITH_KEY = re.compile(r"^metadata\.(labels|annotations)\['[^']+'\]$")
_MAX_INT32 = 2**31 - 1
_DESCRIPTION_LIMIT = 512


def validate(form: JobForm, lang: Language = "en", existing_names: Collection[str] = ()) -> list[FieldError]:
    """Every broken rule, by field; ``existing_names`` are the Jobs already in the form's namespace."""
    return list(_Checker(lang).form(form, existing_names))


class _Checker:
    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def error(self, path: str, code: str, **params: Any) -> FieldError:
        return field_error(path, code, self.lang, **params)

    def form(self, form: JobForm, existing_names: Collection[str]) -> Iterator[FieldError]:
        name_error = self.name("name", form.name)
        if name_error is None and form.name in existing_names:
            name_error = self.error("name", "nameTaken", name=form.name, namespace=form.namespace)
        yield from [name_error] if name_error else []
        if not form.cluster:
            yield self.error("cluster", "required")
        if not form.namespace:
            yield self.error("namespace", "required")
        elif not _DNS_LABEL.match(form.namespace):
            yield self.error("namespace", "dnsLabelInvalid")
        if form.instances < 1:
            yield self.error("instances", "atLeast", minimum=1)
        if len(form.description) > _DESCRIPTION_LIMIT:
            yield self.error("description", "tooLong", maximum=_DESCRIPTION_LIMIT, length=len(form.description))
        if not form.containers:
            yield self.error("containers", "containersRequired")
        yield from self.containers(form)
        if form.service is not None:
            yield from self.service(form.service)
        yield from self.advanced(form)

    def name(self, path: str, value: str) -> FieldError | None:
        """The wizard's naming rule (dce-scope §3, old page): 4–63 of [a-z0-9-], a letter first."""
        if not value:
            return self.error(path, "required")
        if not 4 <= len(value) <= 63:
            return self.error(path, "nameLength")
        if not _NAME_CHARACTERS.match(value):
            return self.error(path, "nameCharacters")
        if not value[0].isalpha():
            return self.error(path, "nameStart")
        if value[-1] == "-":
            return self.error(path, "nameEnd")
        return None

    def containers(self, form: JobForm) -> Iterator[FieldError]:
        names: set[str] = set()
        ports: dict[tuple[int, str], str] = {}
        volumes: dict[str, tuple[str, str]] = {}
        for group, init in (("initContainers", True), ("containers", False)):
            for i, container in enumerate(getattr(form, _snake(group))):
                at = f"{group}[{i}]"
                error = self.name(f"{at}.name", container.name)
                if error is None and container.name in names:
                    error = self.error(f"{at}.name", "duplicate", value=container.name)
                names.add(container.name)
                yield from [error] if error else []
                yield from self.container(at, container)
                # Init containers run one at a time before the others, so only the work
                # containers of a pod can collide on a port.
                if not init:
                    yield from self.port_conflicts(at, container, ports)
                yield from self.volume_conflicts(at, container, init, i, volumes)

    def container(self, at: str, c: ContainerForm) -> Iterator[FieldError]:
        if not c.image:
            yield self.error(f"{at}.image", "required")
        elif any(ch.isspace() for ch in c.image):
            yield self.error(f"{at}.image", "imageInvalid")
        if c.image_pull_secret and not self.object_name_ok(c.image_pull_secret):
            yield self.error(f"{at}.imagePullSecret", "objectNameInvalid")
        yield from self.resources(at, c)
        port_names: set[str] = set()
        for j, port in enumerate(c.ports):
            if not 1 <= port.container_port <= 65535:
                yield self.error(f"{at}.ports[{j}].containerPort", "portRange")
            if port.name:
                if not self.port_name_ok(port.name):
                    yield self.error(f"{at}.ports[{j}].name", "portNameInvalid")
                elif port.name in port_names:
                    yield self.error(f"{at}.ports[{j}].name", "duplicate", value=port.name)
                port_names.add(port.name)
        for hook in ("postStart", "preStop"):
            handler = getattr(c.lifecycle, _snake(hook))
            if handler is not None:
                yield from self.handler(f"{at}.lifecycle.{hook}", handler)
        for kind in ("liveness", "readiness", "startup"):
            probe = getattr(c.health_checks, kind)
            if probe is not None:
                yield from self.probe(f"{at}.healthChecks.{kind}", kind, probe)
        for j, env in enumerate(c.env):
            yield from self.env(f"{at}.env[{j}]", env)
        yield from self.storage(at, c)
        yield from self.security(f"{at}.security", c)

    def resources(self, at: str, c: ContainerForm) -> Iterator[FieldError]:
        r = c.resources
        for resource, request, limit in (
            ("cpu", r.cpu_request, r.cpu_limit),
            ("memory", r.memory_request, r.memory_limit),
        ):
            values = {}
            for field, text in (("Request", request), ("Limit", limit)):
                if not text:
                    continue
                path = f"{at}.resources.{resource}{field}"
                value = quantity_value(text)
                if value is None:
                    yield self.error(path, "quantityInvalid")
                elif value < 0:
                    yield self.error(path, "negative")
                else:
                    values[field] = value
            if "Request" in values and "Limit" in values and values["Request"] > values["Limit"]:
                yield self.error(f"{at}.resources.{resource}Request", "requestExceedsLimit", limit=limit)

    def port_conflicts(self, at: str, c: ContainerForm, taken: dict[tuple[int, str], str]) -> Iterator[FieldError]:
        # The seed's warning: containers of one pod share a network namespace, so a port
        # (with its protocol) can be bound by one of them only.
        for j, port in enumerate(c.ports):
            key = (port.container_port, port.protocol)
            if key in taken:
                yield self.error(
                    f"{at}.ports[{j}].containerPort",
                    "portConflict",
                    port=port.container_port,
                    protocol=port.protocol,
                    container=taken[key],
                )
            else:
                taken[key] = c.name

    def volume_conflicts(
        self, at: str, c: ContainerForm, init: bool, index: int, volumes: dict[str, tuple[str, str]]
    ) -> Iterator[FieldError]:
        rows: list[tuple[str, StorageForm | LogForm]] = [(f"{at}.storage[{j}]", row) for j, row in enumerate(c.storage)]
        rows += [(f"{at}.logs[{j}]", log) for j, log in enumerate(c.logs)]
        storage_count = len(c.storage)
        for n, (path, row) in enumerate(rows):
            position = n if n < storage_count else n - storage_count
            name = volume_name(row, init, index, position)
            source = (row.type, row.source) if isinstance(row, StorageForm) else ("emptyDir", "")
            if row.volume_name and not _DNS_LABEL.match(row.volume_name):
                yield self.error(f"{path}.volumeName", "dnsLabelInvalid")
            elif volumes.setdefault(name, source) != source:
                yield self.error(f"{path}.volumeName", "volumeConflict", volume=name)

    def handler(self, at: str, handler: HandlerForm) -> Iterator[FieldError]:
        if handler.type == "exec":
            if not any(handler.command):
                yield self.error(f"{at}.command", "commandRequired")
            return
        yield from self.port(f"{at}.port", handler.port)
        if handler.path and not handler.path.startswith("/"):
            yield self.error(f"{at}.path", "pathInvalid")

    def probe(self, at: str, kind: str, probe: ProbeForm) -> Iterator[FieldError]:
        if probe.type == "exec":
            if not any(probe.command):
                yield self.error(f"{at}.command", "commandRequired")
        else:
            yield from self.port(f"{at}.port", probe.port)
            if probe.type == "httpGet" and probe.path and not probe.path.startswith("/"):
                yield self.error(f"{at}.path", "pathInvalid")
        if probe.initial_delay_seconds < 0:
            yield self.error(f"{at}.initialDelaySeconds", "negative")
        for field, value in (
            ("periodSeconds", probe.period_seconds),
            ("timeoutSeconds", probe.timeout_seconds),
            ("successThreshold", probe.success_threshold),
            ("failureThreshold", probe.failure_threshold),
        ):
            if value < 1:
                yield self.error(f"{at}.{field}", "atLeast", minimum=1)
            elif field == "successThreshold" and kind != "readiness" and value != 1:
                yield self.error(f"{at}.{field}", "successThresholdMustBeOne")

    def port(self, path: str, port: int | str) -> Iterator[FieldError]:
        if isinstance(port, str) and not port.isdigit():
            if not self.port_name_ok(port):
                yield self.error(path, "portNameInvalid")
        elif not 1 <= int(port) <= 65535:
            yield self.error(path, "portRange")

    def env(self, at: str, env: EnvVarForm) -> Iterator[FieldError]:
        if env.type in ("configMap", "secret"):
            if env.prefix and not _ENV_NAME.match(env.prefix):
                yield self.error(f"{at}.prefix", "envNameInvalid")
        elif not env.name:
            yield self.error(f"{at}.name", "required")
        elif not _ENV_NAME.match(env.name):
            yield self.error(f"{at}.name", "envNameInvalid")
        if env.type == "resource" and env.resource not in ENV_RESOURCES:
            yield self.error(f"{at}.resource", "notSupported", choices=", ".join(ENV_RESOURCES))
        if env.type == "podField" and not (
            env.field_path in ENV_FIELD_PATHS or _ENV_FIELD_WITH_KEY.match(env.field_path)
        ):
            yield self.error(f"{at}.fieldPath", "notSupported", choices=", ".join(ENV_FIELD_PATHS))
        if env.type in ("configMapKey", "secretKey", "configMap", "secret"):
            if not env.source:
                yield self.error(f"{at}.source", "required")
            elif not self.object_name_ok(env.source):
                yield self.error(f"{at}.source", "objectNameInvalid")
        if env.type in ("configMapKey", "secretKey"):
            if not env.key:
                yield self.error(f"{at}.key", "required")
            elif len(env.key) > 253 or not _CONFIG_KEY.match(env.key):
                yield self.error(f"{at}.key", "keyInvalid")

    def storage(self, at: str, c: ContainerForm) -> Iterator[FieldError]:
        mount_paths: set[str] = set()
        for j, row in enumerate(c.storage):
            path = f"{at}.storage[{j}]"
            if row.type in ("configMap", "secret"):
                if not row.source:
                    yield self.error(f"{path}.source", "required")
                elif not self.object_name_ok(row.source):
                    yield self.error(f"{path}.source", "objectNameInvalid")
            elif row.type == "hostPath" and not row.source.startswith("/"):
                yield self.error(f"{path}.source", "pathInvalid")
            yield from self.mount_path(f"{path}.mountPath", row.mount_path, mount_paths)
            if row.sub_path.startswith("/") or ".." in row.sub_path.split("/"):
                yield self.error(f"{path}.subPath", "subPathInvalid")
        log_paths: set[str] = set()
        for j, log in enumerate(c.logs):
            path = f"{at}.logs[{j}].path"
            if not log.path.startswith("/"):
                yield self.error(path, "pathInvalid")
            elif log_directory(log) == "/":
                yield self.error(path, "logPathRoot")
            elif log.path in log_paths:
                yield self.error(path, "duplicate", value=log.path)
            else:
                log_paths.add(log.path)
                # Two globs in one directory share its emptyDir: only the first mounts it.
                directory = log_directory(log)
                if directory in mount_paths and directory not in {log_directory(other) for other in c.logs[:j]}:
                    yield self.error(path, "duplicate", value=directory)
                mount_paths.add(directory)

    def mount_path(self, path: str, value: str, taken: set[str]) -> Iterator[FieldError]:
        if not value:
            yield self.error(path, "required")
        elif not value.startswith("/"):
            yield self.error(path, "pathInvalid")
        elif value in taken:
            yield self.error(path, "duplicate", value=value)
        taken.add(value)

    def security(self, at: str, c: ContainerForm) -> Iterator[FieldError]:
        s = c.security
        if s.run_as_user is not None and not 0 <= s.run_as_user <= _MAX_INT32:
            yield self.error(f"{at}.runAsUser", "negative" if s.run_as_user < 0 else "atMost", maximum=_MAX_INT32)
        elif s.run_as_non_root and s.run_as_user == 0:
            yield self.error(f"{at}.runAsNonRoot", "runAsNonRootConflict")
        for field, names in (("capabilitiesAdd", s.capabilities_add), ("capabilitiesDrop", s.capabilities_drop)):
            for j, name in enumerate(names):
                if not _CAPABILITY.match(name):
                    yield self.error(f"{at}.{field}[{j}]", "capabilityInvalid")

    def service(self, service: ServiceForm) -> Iterator[FieldError]:
        if service.name:
            yield from filter(None, [self.name("service.name", service.name)])
        if not service.ports:
            yield self.error("service.ports", "servicePortsRequired")
        names: set[str] = set()
        ports: set[tuple[int, str]] = set()
        for j, row in enumerate(service.ports):
            at = f"service.ports[{j}]"
            if not row.name and len(service.ports) > 1:
                yield self.error(f"{at}.name", "servicePortNameRequired")
            elif row.name and not _DNS_LABEL.match(row.name):
                yield self.error(f"{at}.name", "dnsLabelInvalid")
            elif row.name in names:
                yield self.error(f"{at}.name", "duplicate", value=row.name)
            names.add(row.name)
            if not 1 <= row.port <= 65535:
                yield self.error(f"{at}.port", "portRange")
            elif (row.port, row.protocol) in ports:
                yield self.error(f"{at}.port", "duplicate", value=f"{row.port}/{row.protocol}")
            ports.add((row.port, row.protocol))
            yield from self.port(f"{at}.targetPort", row.target_port)
            if row.node_port is not None:
                if service.type == "ClusterIP":
                    yield self.error(f"{at}.nodePort", "nodePortNotAllowed")
                elif not 30000 <= row.node_port <= 32767:
                    yield self.error(f"{at}.nodePort", "nodePortRange")
        if service.selector is not None:
            if not service.selector:
                yield self.error("service.selector", "selectorRequired")
            yield from self.rows("service.selector", service.selector, label_values=True)
        if service.session_affinity:
            timeout = service.session_affinity_timeout
            if not 1 <= timeout <= 86400:
                code, params = ("atLeast", {"minimum": 1}) if timeout < 1 else ("atMost", {"maximum": 86400})
                yield self.error("service.sessionAffinityTimeout", code, **params)
        if service.external_traffic_policy is not None and service.type == "ClusterIP":
            yield self.error("service.externalTrafficPolicy", "trafficPolicyNotAllowed")
        yield from self.rows("service.annotations", service.annotations, label_values=False)

    def advanced(self, form: JobForm) -> Iterator[FieldError]:
        a = form.advanced
        if a.parallelism < 0:
            yield self.error("advanced.parallelism", "negative")
        elif a.parallelism > form.instances >= 1:
            yield self.error("advanced.parallelism", "parallelismExceedsInstances", instances=form.instances)
        if a.timeout_seconds is not None and a.timeout_seconds < 1:
            yield self.error("advanced.timeoutSeconds", "atLeast", minimum=1)
        if a.backoff_limit < 0:
            yield self.error("advanced.backoffLimit", "negative")
        if a.ttl_seconds_after_finished is not None and a.ttl_seconds_after_finished < 0:
            yield self.error("advanced.ttlSecondsAfterFinished", "negative")
        yield from self.rows("advanced.labels", a.labels, label_values=True)
        yield from self.rows("advanced.annotations", a.annotations, label_values=False)

    def rows(self, at: str, rows: list[KeyValue], label_values: bool) -> Iterator[FieldError]:
        keys: set[str] = set()
        for j, row in enumerate(rows):
            if not row.key:
                yield self.error(f"{at}[{j}].key", "required")
            elif not self.qualified_name_ok(row.key):
                yield self.error(f"{at}[{j}].key", "labelKeyInvalid")
            elif row.key in keys:
                yield self.error(f"{at}[{j}].key", "duplicate", value=row.key)
            keys.add(row.key)
            if label_values and (len(row.value) > 63 or not _LABEL_NAME.match(row.value)):
                yield self.error(f"{at}[{j}].value", "labelValueInvalid")

    @staticmethod
    def object_name_ok(name: str) -> bool:
        return len(name) <= 253 and bool(_DNS_SUBDOMAIN.match(name))

    @staticmethod
    def port_name_ok(name: str) -> bool:
        return (
            len(name) <= 15 and bool(_PORT_NAME.match(name)) and "--" not in name and any(ch.isalpha() for ch in name)
        )

    @staticmethod
    def qualified_name_ok(key: str) -> bool:
        prefix, _, name = key.rpartition("/")
        if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
            return False
        return 0 < len(name) <= 63 and bool(_LABEL_NAME.match(name))


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)
