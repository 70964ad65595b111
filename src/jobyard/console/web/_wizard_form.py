"""The wizard's posted fields ↔ the ``JobForm``: one step's inputs read back into the form, and row edits.

Every input is named by its form path (``containers[0].env[2].name``, see ``jobyard.console.forms``),
so a field error's path is also the name of the input it belongs to. A step owns whole sections
of the form (step 2 owns ``containers`` and ``initContainers``), and reading a step replaces those
sections with what was posted: an unchecked box is simply absent, a removed row is not posted.
Only what HTML cannot say about types is decided here (a blank number is "unset", a typed word
in a number box is an error); every rule about values is ``forms.validate``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jobyard.console.forms import (
    AdvancedForm,
    ContainerForm,
    EnvVarForm,
    FieldError,
    HandlerForm,
    HealthChecksForm,
    JobForm,
    KeyValue,
    Language,
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

from ._i18n import translations

__all__ = [
    "CONTAINER_TABS",
    "CPU_UNITS",
    "MEMORY_UNITS",
    "STEPS",
    "PostedFields",
    "apply_row_op",
    "container_tab_of",
    "read_step",
    "split_quantity",
    "step_of",
]

STEPS = ("basic", "containers", "service", "advanced")
CONTAINER_TABS = ("basic", "lifecycle", "health", "env", "storage", "security", "logs")
CPU_UNITS = ("", "m")
MEMORY_UNITS = ("Mi", "Gi", "Ki", "Ti", "M", "G", "")
_BASIC_PATHS = ("name", "cluster", "namespace", "instances", "description")
_TAB_OF_SECTION = {"lifecycle": "lifecycle", "healthChecks": "health", "env": "env", "storage": "storage"}
_TAB_OF_SECTION |= {"security": "security", "logs": "logs"}
_INDEX = re.compile(r"^\[(\d+)\]")
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]*)?)([A-Za-z]*)$")


def step_of(path: str) -> int:
    """The step (0–3) whose page shows the field at ``path``; -1 for the form as a whole."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    if head in _BASIC_PATHS:
        return 0
    if head in ("containers", "initContainers"):
        return 1
    if head == "service":
        return 2
    if head == "advanced":
        return 3
    return -1


def container_tab_of(path: str) -> tuple[str, int, str] | None:
    """``containers[1].env[0].name`` → ("containers", 1, "env"): which container and sub-tab show it."""
    found = re.match(r"^(containers|initContainers)\[(\d+)\](?:\.([A-Za-z]+))?", path)
    if found is None:
        return None
    return found.group(1), int(found.group(2)), _TAB_OF_SECTION.get(found.group(3) or "", "basic")


def split_quantity(value: str | None, units: tuple[str, ...]) -> tuple[str, str]:
    """``512Mi`` → (``512``, ``Mi``) for a number box and a unit select; anything else stays whole."""
    if not value:
        return "", units[0]
    found = _QUANTITY.match(value)
    if found and found.group(2) in units:
        return found.group(1), found.group(2)
    return value, ""


class PostedFields:
    """The posted inputs by name, read as the form's types; type slips are collected as field errors."""

    def __init__(self, data: Mapping[str, str], lang: Language) -> None:
        self.data = data
        self.lang = lang
        self.errors: list[FieldError] = []

    def text(self, path: str) -> str:
        return self.data.get(path, "").strip()

    def raw(self, path: str) -> str:
        """Free text whose spaces matter (a description, an env value)."""
        return self.data.get(path, "")

    def flag(self, path: str) -> bool:
        return self.data.get(path, "") not in ("", "0", "false", "off")

    def optional_text(self, path: str) -> str | None:
        return self.text(path) or None

    def number(self, path: str, default: int) -> int:
        found = self.optional_number(path)
        return default if found is None else found

    def optional_number(self, path: str) -> int | None:
        value = self.text(path)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            message = translations(self.lang).gettext("Enter a whole number.")
            self.errors.append(FieldError(path=path, code="wholeNumber", message=message))
            return None

    def port(self, path: str) -> int | str:
        """A port number, or a named container port (``http``); blank is 0, which validate reports."""
        value = self.text(path)
        return int(value) if value.isdigit() else value or 0

    def quantity(self, path: str) -> str | None:
        number = self.text(path)
        return number + self.text(path + "@unit") if number else None

    def lines(self, path: str) -> list[str]:
        return [line.strip() for line in self.raw(path).splitlines() if line.strip()]

    def words(self, path: str) -> list[str]:
        return [word for word in re.split(r"[\s,]+", self.text(path)) if word]

    def indexes(self, prefix: str) -> list[int]:
        """The row numbers posted under ``prefix`` (``containers[0].env``), in order."""
        found = set()
        for name in self.data:
            if name.startswith(prefix + "["):
                match = _INDEX.match(name[len(prefix) :])
                if match:
                    found.add(int(match.group(1)))
        return sorted(found)

    def rows(self, prefix: str, read: Callable[[str], Any]) -> list[Any]:
        return [read(f"{prefix}[{i}]") for i in self.indexes(prefix)]


def read_step(step: int, form: JobForm, data: Mapping[str, str], lang: Language) -> tuple[JobForm, list[FieldError]]:
    """The form with the sections of ``step`` replaced by what was posted, and the type slips found."""
    fields = PostedFields(data, lang)
    if step == 0:
        changes: dict[str, Any] = {
            "name": fields.text("name"),
            "namespace": fields.text("namespace") or form.namespace,
            "instances": fields.number("instances", form.instances),
            "description": fields.raw("description").replace("\r\n", "\n"),
        }
    elif step == 1:
        changes = {
            "containers": fields.rows("containers", lambda p: _container(fields, p)),
            "init_containers": fields.rows("initContainers", lambda p: _container(fields, p)),
        }
    elif step == 2:
        changes = {"service": _service(fields, form.service) if fields.flag("service.enabled") else None}
    else:
        changes = {"advanced": _advanced(fields)}
    return form.model_copy(update=changes), fields.errors


def _container(fields: PostedFields, p: str) -> ContainerForm:
    return ContainerForm(
        name=fields.text(f"{p}.name"),
        image=fields.text(f"{p}.image"),
        image_pull_secret=fields.text(f"{p}.imagePullSecret"),
        always_pull=fields.flag(f"{p}.alwaysPull"),
        privileged=fields.flag(f"{p}.privileged"),
        resources=ResourcesForm(
            cpu_request=fields.quantity(f"{p}.resources.cpuRequest"),
            cpu_limit=fields.quantity(f"{p}.resources.cpuLimit"),
            memory_request=fields.quantity(f"{p}.resources.memoryRequest"),
            memory_limit=fields.quantity(f"{p}.resources.memoryLimit"),
        ),
        ports=fields.rows(f"{p}.ports", lambda r: _port(fields, r)),
        lifecycle=LifecycleForm(
            command=fields.lines(f"{p}.lifecycle.command"),
            args=fields.lines(f"{p}.lifecycle.args"),
            post_start=_handler(fields, f"{p}.lifecycle.postStart"),
            pre_stop=_handler(fields, f"{p}.lifecycle.preStop"),
        ),
        health_checks=HealthChecksForm(
            liveness=_probe(fields, f"{p}.healthChecks.liveness"),
            readiness=_probe(fields, f"{p}.healthChecks.readiness"),
            startup=_probe(fields, f"{p}.healthChecks.startup"),
        ),
        env=fields.rows(f"{p}.env", lambda r: _env(fields, r)),
        storage=fields.rows(f"{p}.storage", lambda r: _storage(fields, r)),
        security=SecurityForm(
            run_as_user=fields.optional_number(f"{p}.security.runAsUser"),
            run_as_non_root=fields.flag(f"{p}.security.runAsNonRoot"),
            read_only_root_filesystem=fields.flag(f"{p}.security.readOnlyRootFilesystem"),
            capabilities_add=fields.words(f"{p}.security.capabilitiesAdd"),
            capabilities_drop=fields.words(f"{p}.security.capabilitiesDrop"),
        ),
        logs=fields.rows(
            f"{p}.logs", lambda r: LogForm(path=fields.text(f"{r}.path"), volume_name=fields.text(f"{r}.volumeName"))
        ),
    )


def _port(fields: PostedFields, r: str) -> PortForm:
    protocol = fields.text(f"{r}.protocol")
    return PortForm.model_validate(
        dict(
            name=fields.text(f"{r}.name"),
            container_port=fields.number(f"{r}.containerPort", 0),
            protocol=protocol if protocol in ("TCP", "UDP", "SCTP") else "TCP",
        )
    )


def _handler(fields: PostedFields, p: str) -> HandlerForm | None:
    kind = fields.text(f"{p}.type")
    if kind not in ("exec", "httpGet"):
        return None
    return HandlerForm.model_validate(
        dict(
            type=kind,
            command=fields.lines(f"{p}.command"),
            path=fields.text(f"{p}.path"),
            port=fields.port(f"{p}.port"),
            host=fields.text(f"{p}.host"),
            scheme="HTTPS" if fields.text(f"{p}.scheme") == "HTTPS" else "HTTP",
        )
    )


def _probe(fields: PostedFields, p: str) -> ProbeForm | None:
    kind = fields.text(f"{p}.type")
    if kind not in ("httpGet", "tcpSocket", "exec"):
        return None
    return ProbeForm.model_validate(
        dict(
            type=kind,
            path=fields.text(f"{p}.path"),
            port=fields.port(f"{p}.port"),
            scheme="HTTPS" if fields.text(f"{p}.scheme") == "HTTPS" else "HTTP",
            command=fields.lines(f"{p}.command"),
            initial_delay_seconds=fields.number(f"{p}.initialDelaySeconds", 0),
            period_seconds=fields.number(f"{p}.periodSeconds", 10),
            timeout_seconds=fields.number(f"{p}.timeoutSeconds", 1),
            success_threshold=fields.number(f"{p}.successThreshold", 1),
            failure_threshold=fields.number(f"{p}.failureThreshold", 3),
        )
    )


def _env(fields: PostedFields, r: str) -> EnvVarForm:
    kind = fields.text(f"{r}.type") or "keyValue"
    # ConfigMaps and Secrets are offered from two lists, so the page has an input for each.
    source = fields.text(f"{r}.source@secret" if kind in ("secretKey", "secret") else f"{r}.source")
    return EnvVarForm.model_validate(
        {
            "type": kind,
            "value": fields.raw(f"{r}.value"),
            "source": source,
            **{key: fields.text(f"{r}.{key}") for key in ("name", "resource", "fieldPath", "key", "prefix")},
        }
    )


def _storage(fields: PostedFields, r: str) -> StorageForm:
    return StorageForm.model_validate(
        {
            "type": fields.text(f"{r}.type") or "emptyDir",
            "source": fields.text(f"{r}.source"),
            "mountPath": fields.text(f"{r}.mountPath"),
            "subPath": fields.text(f"{r}.subPath"),
            "readOnly": fields.flag(f"{r}.readOnly"),
            "volumeName": fields.text(f"{r}.volumeName"),
        }
    )


def _key_values(fields: PostedFields, prefix: str) -> list[KeyValue]:
    return fields.rows(prefix, lambda r: KeyValue(key=fields.text(f"{r}.key"), value=fields.raw(f"{r}.value")))


def _service(fields: PostedFields, before: ServiceForm | None) -> ServiceForm:
    kind = fields.text("service.type")
    policy = fields.text("service.externalTrafficPolicy")
    return ServiceForm.model_validate(
        {
            "name": fields.text("service.name"),
            "type": kind if kind in ("ClusterIP", "NodePort", "LoadBalancer") else "ClusterIP",
            "ports": fields.rows("service.ports", lambda r: _service_port(fields, r)),
            # The selector is not on the page: the Job's own label unless the YAML said otherwise.
            "selector": before.selector if before is not None else None,
            "sessionAffinity": fields.flag("service.sessionAffinity"),
            "sessionAffinityTimeout": fields.number("service.sessionAffinityTimeout", 30),
            "externalTrafficPolicy": policy if policy in ("Cluster", "Local") else None,
            "annotations": _key_values(fields, "service.annotations"),
        }
    )


def _service_port(fields: PostedFields, r: str) -> ServicePortForm:
    return ServicePortForm(
        name=fields.text(f"{r}.name"),
        protocol="UDP" if fields.text(f"{r}.protocol") == "UDP" else "TCP",
        port=fields.number(f"{r}.port", 0),
        target_port=fields.port(f"{r}.targetPort"),
        node_port=fields.optional_number(f"{r}.nodePort"),
    )


def _advanced(fields: PostedFields) -> AdvancedForm:
    return AdvancedForm.model_validate(
        {
            "parallelism": fields.number("advanced.parallelism", 2),
            "timeoutSeconds": fields.optional_number("advanced.timeoutSeconds"),
            "restartPolicy": "OnFailure" if fields.text("advanced.restartPolicy") == "OnFailure" else "Never",
            "backoffLimit": fields.number("advanced.backoffLimit", 6),
            "completionMode": "Indexed" if fields.text("advanced.completionMode") == "Indexed" else "NonIndexed",
            "ttlSecondsAfterFinished": fields.optional_number("advanced.ttlSecondsAfterFinished"),
            "suspend": fields.flag("advanced.suspend"),
            "labels": _key_values(fields, "advanced.labels"),
            "annotations": _key_values(fields, "advanced.annotations"),
        }
    )


# Row editors: "add:containers[0].env" appends an empty row, "remove:containers[0].env[2]" drops one.

_ROW_LISTS = re.compile(
    r"^(?:(?:containers|initContainers)(?:\[\d+\]\.(?:ports|env|storage|logs))?"
    r"|service\.(?:ports|annotations)|advanced\.(?:labels|annotations))$"
)


def apply_row_op(form: JobForm, op: str) -> JobForm:
    """The form after one row edit; an op that names no row list leaves the form as it was."""
    verb, _, path = op.partition(":")
    if verb == "add" and _ROW_LISTS.match(path):
        return _edit(form, path, lambda rows: rows.append(_new_row(path, len(rows))))
    found = re.match(r"^(.*)\[(\d+)\]$", path)
    if verb == "remove" and found and _ROW_LISTS.match(found.group(1)):
        index = int(found.group(2))
        return _edit(form, found.group(1), lambda rows: rows.pop(index) if index < len(rows) else None)
    return form


def _new_row(path: str, count: int) -> dict[str, Any]:
    if path in ("containers", "initContainers"):
        prefix = "init" if path == "initContainers" else "container"
        return {"name": f"{prefix}-{count + 1}"}
    return {}


def _edit(form: JobForm, path: str, change: Callable[[list[Any]], Any]) -> JobForm:
    data = form.model_dump(by_alias=True)
    if path.startswith("service.") and data.get("service") is None:
        data["service"] = ServiceForm().model_dump(by_alias=True)
    target: Any = data
    for name, index in re.findall(r"([A-Za-z]+)(?:\[(\d+)\])?", path):
        target = target[name]
        if index:
            if int(index) >= len(target):
                return form
            target = target[int(index)]
    change(target)
    return JobForm.model_validate(data)
