"""Pod specs, for pods and pod templates alike: upstream's defaults and validation.

``path`` is where the spec sits (``spec`` in a Pod, ``spec.template.spec`` in a
Job), so the same rules report the field a user actually wrote.
"""

from __future__ import annotations

from typing import Any

from jobyard.cluster.errors import Cause

from ._causes import duplicate, forbidden, invalid, non_negative, not_supported, required, too_long
from ._containers import default_container, validate_container, validate_security_context
from ._meta import TOTAL_ANNOTATION_SIZE_LIMIT, validate_labels
from ._names import dns1123_label, dns1123_subdomain, qualified_name

__all__ = ["default_pod_spec", "validate_pod_spec", "validate_pod_template"]

Obj = dict[str, Any]

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")
MAX_ACTIVE_DEADLINE = 4294967295
DEFAULT_FILE_MODE = 0o644

VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)


def default_pod_spec(spec: Obj) -> None:
    """``SetDefaults_PodSpec`` and the defaults of everything a pod spec holds."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    # v1 still carries the deprecated serviceAccount alias; conversion keeps the two equal.
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    host_network = bool(spec.get("hostNetwork"))
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or []:
            default_container(container, host_network=host_network)
    for volume in spec.get("volumes") or []:
        _default_volume(volume)


def _default_volume(volume: Obj) -> None:
    if not any(key in volume for key in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for key in ("configMap", "secret", "downwardAPI", "projected"):
        if isinstance(volume.get(key), dict):
            volume[key].setdefault("defaultMode", DEFAULT_FILE_MODE)
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        if isinstance(item.get("fieldRef"), dict):
            item["fieldRef"].setdefault("apiVersion", "v1")
    for source in (volume.get("projected") or {}).get("sources") or []:
        token = source.get("serviceAccountToken")
        if isinstance(token, dict):
            token.setdefault("expirationSeconds", 3600)


def validate_pod_template(template: Obj, path: str) -> list[Cause]:
    """``ValidatePodTemplateSpec``: the template's labels, annotations and spec."""
    meta: Obj = template.get("metadata") or {}
    causes = validate_labels(meta.get("labels") or {}, f"{path}.metadata.labels")
    annotations: Obj = meta.get("annotations") or {}
    for key in annotations:
        causes += [invalid(f"{path}.metadata.annotations", key, message) for message in qualified_name(key.lower())]
    if sum(len(key) + len(str(value or "")) for key, value in annotations.items()) > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(too_long(f"{path}.metadata.annotations", TOTAL_ANNOTATION_SIZE_LIMIT))
    spec: Obj = template.get("spec") or {}
    causes += validate_pod_spec(spec, f"{path}.spec")
    if spec.get("ephemeralContainers"):
        causes.append(forbidden(f"{path}.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return causes


def validate_pod_spec(spec: Obj, path: str) -> list[Cause]:
    volumes: list[Obj] = spec.get("volumes") or []
    causes, volume_names = _validate_volumes(volumes, f"{path}.volumes")
    causes += _validate_containers(spec, path, volume_names)
    causes += _one_of(spec.get("restartPolicy"), RESTART_POLICIES, f"{path}.restartPolicy")
    causes += _one_of(spec.get("dnsPolicy"), DNS_POLICIES, f"{path}.dnsPolicy")
    if spec.get("dnsPolicy") == "None" and not spec.get("dnsConfig"):
        causes.append(required(f"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"))
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= MAX_ACTIVE_DEADLINE:
        causes.append(
            invalid(
                f"{path}.activeDeadlineSeconds", deadline, f"must be between 1 and {MAX_ACTIVE_DEADLINE}, inclusive"
            )
        )
    causes += non_negative(f"{path}.terminationGracePeriodSeconds", spec.get("terminationGracePeriodSeconds"))
    for key, check in (
        ("serviceAccountName", dns1123_subdomain),
        ("nodeName", dns1123_subdomain),
        ("hostname", dns1123_label),
        ("subdomain", dns1123_label),
    ):
        value = spec.get(key) or ""
        if value:
            causes += [invalid(f"{path}.{key}", value, message) for message in check(value)]
    causes += validate_labels(spec.get("nodeSelector") or {}, f"{path}.nodeSelector")
    causes += _validate_tolerations(spec.get("tolerations") or [], f"{path}.tolerations")
    causes += validate_security_context(spec.get("securityContext") or {}, f"{path}.securityContext")
    for index, reference in enumerate(spec.get("imagePullSecrets") or []):
        if not reference.get("name"):
            causes.append(required(f"{path}.imagePullSecrets[{index}].name"))
    return causes


def _one_of(value: Any, supported: tuple[str, ...], path: str) -> list[Cause]:
    if not value:
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def _validate_containers(spec: Obj, path: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    containers: list[Obj] = spec.get("containers") or []
    if not containers:
        causes.append(required(f"{path}.containers"))
    for key, entries in (("initContainers", spec.get("initContainers") or []), ("containers", containers)):
        for index, container in enumerate(entries):
            at = f"{path}.{key}[{index}]"
            causes += validate_container(container, at, volume_names)
            name = container.get("name") or ""
            if name and name in seen:
                causes.append(duplicate(f"{at}.name", name))
            seen.add(name)
    causes += _validate_host_ports(spec, path)
    return causes


def _validate_host_ports(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    taken: set[str] = set()
    for key in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(key) or []):
            for port_index, port in enumerate(container.get("ports") or []):
                if not port.get("hostPort"):
                    continue
                claim = f"{port.get('hostIP', '')}/{port['hostPort']}/{port.get('protocol', 'TCP')}"
                if claim in taken:
                    shown = f"{port['hostPort']}/{port.get('protocol', 'TCP')}"
                    causes.append(duplicate(f"{path}.{key}[{index}].ports[{port_index}].hostPort", shown))
                taken.add(claim)
    return causes


def _validate_volumes(volumes: list[Obj], path: str) -> tuple[list[Cause], set[str]]:
    causes: list[Cause] = []
    names: set[str] = set()
    for index, volume in enumerate(volumes):
        at = f"{path}[{index}]"
        name = volume.get("name") or ""
        if not name:
            causes.append(required(f"{at}.name"))
        else:
            messages = dns1123_label(name)
            causes += [invalid(f"{at}.name", name, message) for message in messages]
            if not messages and name in names:
                causes.append(duplicate(f"{at}.name", name))
            names.add(name)
        causes += _validate_volume_source(volume, at)
    return causes, names


def _validate_volume_source(volume: Obj, path: str) -> list[Cause]:
    sources = [key for key in VOLUME_SOURCES if volume.get(key) is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    causes = [forbidden(f"{path}.{key}", "may not specify more than 1 volume type") for key in sources[1:]]
    source: Obj = volume[sources[0]]
    at = f"{path}.{sources[0]}"
    required_keys = {
        "configMap": "name",
        "secret": "secretName",
        "hostPath": "path",
        "persistentVolumeClaim": "claimName",
        "nfs": "server",
    }
    key = required_keys.get(sources[0])
    if key and not source.get(key):
        causes.append(required(f"{at}.{key}"))
    mode = source.get("defaultMode")
    if isinstance(mode, int) and not 0 <= mode <= 0o777:
        causes.append(invalid(f"{at}.defaultMode", mode, "must be a number between 0 and 0777 (octal), both inclusive"))
    return causes


def _validate_tolerations(tolerations: list[Obj], path: str) -> list[Cause]:
    causes: list[Cause] = []
    for index, toleration in enumerate(tolerations):
        at = f"{path}[{index}]"
        key = toleration.get("key") or ""
        if key:
            causes += [invalid(f"{at}.key", key, message) for message in qualified_name(key)]
        operator = toleration.get("operator") or "Equal"
        if not key and operator != "Exists":
            causes.append(
                invalid(
                    f"{at}.operator",
                    operator,
                    'operator must be Exists when `key` is empty, which means "match all values and all keys"',
                )
            )
        if operator == "Exists" and toleration.get("value"):
            causes.append(
                invalid(f"{at}.operator", toleration["value"], "value must be empty when `operator` is 'Exists'")
            )
        if operator not in TOLERATION_OPERATORS:
            causes.append(not_supported(f"{at}.operator", operator, TOLERATION_OPERATORS))
        effect = toleration.get("effect") or ""
        if effect and effect not in TAINT_EFFECTS:
            causes.append(not_supported(f"{at}.effect", effect, TAINT_EFFECTS))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(invalid(f"{at}.effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
    return causes
