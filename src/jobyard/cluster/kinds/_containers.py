"""One container of a pod spec: upstream's defaults and validation.

Shared by pods and every pod template (Jobs). Paths are built by the caller,
e.g. ``spec.template.spec.containers[0]``, so causes name the exact field.
"""

from __future__ import annotations

from typing import Any

from jobyard.cluster.errors import Cause

from ._causes import duplicate, forbidden, invalid, non_negative, not_supported, required
from ._names import config_map_key, dns1123_label, env_var_name, port_name, qualified_name
from ._quantity import QuantityError, parse_quantity

__all__ = ["default_container", "default_probe", "image_pull_policy", "validate_container"]

Obj = dict[str, Any]

PROTOCOLS = ("SCTP", "TCP", "UDP")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
HANDLER_TYPES = ("exec", "httpGet", "tcpSocket", "grpc")
MAX_USER_ID = 2147483647


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or an untagged, undigested image, else ``IfNotPresent``."""
    name, _, digest = image.partition("@")
    last_component = name.rpartition("/")[2]
    tag = last_component.partition(":")[2]
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def default_probe(probe: Obj) -> None:
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    _default_http_get(probe)


def _default_http_get(handler: Obj) -> None:
    http_get = handler.get("httpGet")
    if isinstance(http_get, dict):
        http_get.setdefault("path", "/")
        http_get.setdefault("scheme", "HTTP")


def default_container(container: Obj, *, host_network: bool) -> None:
    if not container.get("imagePullPolicy"):
        container["imagePullPolicy"] = image_pull_policy(container.get("image") or "")
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    # Upstream serialises the non-pointer resources struct even when empty.
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if host_network and not port.get("hostPort") and port.get("containerPort"):
            port["hostPort"] = port["containerPort"]
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(key), dict):
            default_probe(container[key])
    for handler in (container.get("lifecycle") or {}).values():
        if isinstance(handler, dict):
            _default_http_get(handler)


def validate_container(container: Obj, path: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    name = container.get("name") or ""
    if not name:
        causes.append(required(f"{path}.name"))
    else:
        causes += [invalid(f"{path}.name", name, message) for message in dns1123_label(name)]
    if not container.get("image"):
        causes.append(required(f"{path}.image"))
    causes += _one_of(container.get("terminationMessagePolicy"), MESSAGE_POLICIES, f"{path}.terminationMessagePolicy")
    causes += _one_of(container.get("imagePullPolicy"), PULL_POLICIES, f"{path}.imagePullPolicy")
    causes += _validate_ports(container.get("ports") or [], f"{path}.ports")
    causes += _validate_env(container.get("env") or [], f"{path}.env")
    causes += _validate_resources(container.get("resources") or {}, f"{path}.resources")
    causes += _validate_volume_mounts(container.get("volumeMounts") or [], f"{path}.volumeMounts", volume_names)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(container.get(key), dict):
            causes += _validate_probe(container[key], f"{path}.{key}", key)
    causes += validate_security_context(container.get("securityContext") or {}, f"{path}.securityContext")
    return causes


def _one_of(value: Any, supported: tuple[str, ...], path: str) -> list[Cause]:
    if not value:
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def _port_number(value: Any, path: str) -> list[Cause]:
    if isinstance(value, int) and not 1 <= value <= 65535:
        return [invalid(path, value, "must be between 1 and 65535, inclusive")]
    return []


def _validate_ports(ports: list[Obj], path: str) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    for index, port in enumerate(ports):
        at = f"{path}[{index}]"
        name = port.get("name") or ""
        if name:
            messages = port_name(name)
            causes += [invalid(f"{at}.name", name, message) for message in messages]
            if not messages and name in names:
                causes.append(duplicate(f"{at}.name", name))
            names.add(name)
        if not port.get("containerPort"):
            causes.append(required(f"{at}.containerPort"))
        else:
            causes += _port_number(port["containerPort"], f"{at}.containerPort")
        if port.get("hostPort"):
            causes += _port_number(port["hostPort"], f"{at}.hostPort")
        causes += _one_of(port.get("protocol"), PROTOCOLS, f"{at}.protocol")
    return causes


def _validate_env(env: list[Obj], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for index, variable in enumerate(env):
        at = f"{path}[{index}]"
        name = variable.get("name") or ""
        if not name:
            causes.append(required(f"{at}.name"))
        else:
            causes += [invalid(f"{at}.name", name, message) for message in env_var_name(name)]
        if "valueFrom" in variable and variable["valueFrom"] is not None:
            causes += _validate_value_from(variable, f"{at}.valueFrom")
    return causes


def _validate_value_from(variable: Obj, path: str) -> list[Cause]:
    source: Obj = variable["valueFrom"] or {}
    kinds = [key for key in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if source.get(key)]
    causes: list[Cause] = []
    if not kinds:
        causes.append(
            invalid(
                path,
                "",
                "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
            )
        )
    elif len(kinds) > 1:
        causes.append(invalid(path, "", "may not have more than one field specified at a time"))
    if variable.get("value"):
        causes.append(invalid(path, "", "may not be specified when `value` is not empty"))
    for key in ("configMapKeyRef", "secretKeyRef"):
        reference = source.get(key)
        if isinstance(reference, dict):
            if not reference.get("name"):
                causes.append(required(f"{path}.{key}.name"))
            ref_key = reference.get("key") or ""
            if not ref_key:
                causes.append(required(f"{path}.{key}.key"))
            else:
                causes += [invalid(f"{path}.{key}.key", ref_key, message) for message in config_map_key(ref_key)]
    field_ref = source.get("fieldRef")
    if isinstance(field_ref, dict):
        if not field_ref.get("fieldPath"):
            causes.append(required(f"{path}.fieldRef.fieldPath"))
        if not field_ref.get("apiVersion"):
            causes.append(required(f"{path}.fieldRef.apiVersion"))
    return causes


def _is_standard_resource(name: str) -> bool:
    return name in STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")


def _is_native_resource(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _overcommit_allowed(name: str) -> bool:
    """Hugepages and extended resources cannot be overcommitted: request must equal limit."""
    return _is_native_resource(name) and not name.startswith("hugepages-")


def _validate_resource_name(name: str, path: str) -> list[Cause]:
    messages = qualified_name(name)
    if messages:
        return [invalid(path, name, message) for message in messages]
    if "/" not in name and not _is_standard_resource(name):
        return [invalid(path, name, "must be a standard resource for containers")]
    if not _is_native_resource(name) and name.startswith("requests."):
        return [invalid(path, name, "doesn't follow extended resource name standard")]
    return []


def _quantities(values: Obj, path: str) -> tuple[dict[str, Any], list[Cause]]:
    """Parsed quantities by resource name, and the causes for those that do not parse."""
    parsed: dict[str, Any] = {}
    causes: list[Cause] = []
    for name, text in values.items():
        at = f"{path}[{name}]"
        causes += _validate_resource_name(name, at)
        try:
            value = parse_quantity(str(text))
        except QuantityError as error:
            causes.append(invalid(at, str(text), str(error)))
            continue
        if value < 0:
            causes.append(invalid(at, str(text), "must be greater than or equal to 0"))
        elif not _is_native_resource(name) and value != value.to_integral_value():
            causes.append(invalid(at, str(text), "must be an integer"))
        parsed[name] = value
    return parsed, causes


def _validate_resources(resources: Obj, path: str) -> list[Cause]:
    limits_text: Obj = resources.get("limits") or {}
    requests_text: Obj = resources.get("requests") or {}
    limits, causes = _quantities(limits_text, f"{path}.limits")
    requests, request_causes = _quantities(requests_text, f"{path}.requests")
    causes += request_causes
    for name, request in requests.items():
        shown = str(requests_text[name])
        if name in limits:
            limit_text = str(limits_text[name])
            if request != limits[name] and not _overcommit_allowed(name):
                causes.append(invalid(f"{path}.requests", shown, f"must be equal to {name} limit of {limit_text}"))
            elif request > limits[name]:
                causes.append(
                    invalid(f"{path}.requests", shown, f"must be less than or equal to {name} limit of {limit_text}")
                )
        elif name not in limits_text and not _overcommit_allowed(name):
            causes.append(required(f"{path}.limits", "Limit must be set for non overcommitable resources"))
    return causes


def _validate_volume_mounts(mounts: list[Obj], path: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    mount_paths: set[str] = set()
    for index, mount in enumerate(mounts):
        at = f"{path}[{index}]"
        name = mount.get("name") or ""
        if not name:
            causes.append(required(f"{at}.name"))
        elif name not in volume_names:
            causes.append(Cause(f"{at}.name", "FieldValueNotFound", f'Not found: "{name}"'))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            causes.append(required(f"{at}.mountPath"))
        elif mount_path in mount_paths:
            causes.append(invalid(f"{at}.mountPath", mount_path, "must be unique"))
        mount_paths.add(mount_path)
        sub_path = mount.get("subPath") or ""
        if sub_path.startswith("/"):
            causes.append(invalid(f"{at}.subPath", sub_path, "must be a relative path"))
        if ".." in sub_path.split("/"):
            causes.append(invalid(f"{at}.subPath", sub_path, "must not contain '..'"))
    return causes


def _validate_probe(probe: Obj, path: str, kind: str) -> list[Cause]:
    causes = validate_handler(probe, path)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        causes += non_negative(f"{path}.{key}", probe.get(key))
    if kind != "readinessProbe" and probe.get("successThreshold", 1) != 1:
        causes.append(invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1"))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None:
        if kind == "readinessProbe":
            causes.append(
                invalid(f"{path}.terminationGracePeriodSeconds", grace, "must not be set for readinessProbes")
            )
        elif grace <= 0:
            causes.append(invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than 0"))
    return causes


def validate_handler(handler: Obj, path: str) -> list[Cause]:
    """Exactly one of exec, httpGet, tcpSocket, grpc, each well formed."""
    present = [key for key in HANDLER_TYPES if handler.get(key) is not None]
    if not present:
        return [required(path, "must specify a handler type")]
    causes = [forbidden(f"{path}.{key}", "may not specify more than 1 handler type") for key in present[1:]]
    kind = present[0]
    body: Obj = handler[kind]
    at = f"{path}.{kind}"
    if kind == "exec" and not body.get("command"):
        causes.append(required(f"{at}.command"))
    if kind in ("httpGet", "tcpSocket", "grpc"):
        causes += _port_number_or_name(body.get("port"), f"{at}.port")
    if kind == "httpGet":
        if not body.get("path"):
            causes.append(required(f"{at}.path"))
        scheme = body.get("scheme") or ""
        if scheme.upper() not in ("HTTP", "HTTPS"):
            causes.append(not_supported(f"{at}.scheme", scheme, ("HTTP", "HTTPS")))
    return causes


def _port_number_or_name(port: Any, path: str) -> list[Cause]:
    if port is None or port == "" or port == 0:
        return [required(path)]
    if isinstance(port, int):
        return _port_number(port, path)
    return [invalid(path, port, message) for message in port_name(str(port))]


def validate_security_context(context: Obj, path: str) -> list[Cause]:
    """The id ranges shared by pod- and container-level security contexts."""
    causes: list[Cause] = []
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        value = context.get(key)
        if isinstance(value, int) and not 0 <= value <= MAX_USER_ID:
            causes.append(invalid(f"{path}.{key}", value, f"must be between 0 and {MAX_USER_ID}, inclusive"))
    for index, group in enumerate(context.get("supplementalGroups") or []):
        if isinstance(group, int) and not 0 <= group <= MAX_USER_ID:
            causes.append(
                invalid(f"{path}.supplementalGroups[{index}]", group, f"must be between 0 and {MAX_USER_ID}, inclusive")
            )
    if context.get("privileged") is True and context.get("allowPrivilegeEscalation") is False:
        causes.append(invalid(path, context, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
    return causes
