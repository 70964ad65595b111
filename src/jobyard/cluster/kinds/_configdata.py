"""ConfigMaps and Secrets: key rules, the 1 MiB cap, Secret types, tables."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from jobyard.cluster.errors import Cause

from ._base import Column, ResourceType, metadata_field_labels
from ._causes import forbidden, immutable, invalid, required, too_long
from ._names import config_map_key
from ._tables import age_cell, age_column, described, name_column

__all__ = ["CONFIG_MAP", "MAX_DATA_SIZE", "SECRET"]

Obj = dict[str, Any]

MAX_DATA_SIZE = 1024 * 1024
REDACTED = "<secret contents redacted>"
IMMUTABLE_DATA = "field is immutable when `immutable` is set"

# Keys each Secret type must carry in ``data``.
_REQUIRED_KEYS = {
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}
_JSON_KEYS = {
    "kubernetes.io/dockercfg": ".dockercfg",
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
}


def _key_causes(values: Obj, path: str) -> list[Cause]:
    return [invalid(f"{path}[{key}]", key, message) for key in values for message in config_map_key(key)]


def _immutability(obj: Obj, old: Obj | None, data_keys: tuple[str, ...]) -> list[Cause]:
    if old is None or not old.get("immutable"):
        return []
    causes = []
    if not obj.get("immutable"):
        causes.append(forbidden("immutable", IMMUTABLE_DATA))
    for key in data_keys:
        if (obj.get(key) or {}) != (old.get(key) or {}):
            causes.append(forbidden(key, IMMUTABLE_DATA))
    return causes


def validate_config_map(obj: Obj, old: Obj | None) -> list[Cause]:
    data: Obj = obj.get("data") or {}
    binary: Obj = obj.get("binaryData") or {}
    causes = _key_causes(data, "data")
    causes += [invalid(f"data[{key}]", key, "duplicate of key present in binaryData") for key in data if key in binary]
    causes += _key_causes(binary, "binaryData")
    size = sum(len(str(value).encode()) for value in data.values())
    size += sum(len(_decoded(value) or b"") for value in binary.values())
    if size > MAX_DATA_SIZE:
        # An empty path: the cap is on the object as a whole.
        causes.append(too_long("", MAX_DATA_SIZE))
    return causes + _immutability(obj, old, ("data", "binaryData"))


def _decoded(value: Any) -> bytes | None:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def default_secret(obj: Obj) -> None:
    """Type Opaque, and ``stringData`` folded into ``data`` as v1 conversion does."""
    obj.setdefault("type", "Opaque")
    string_data: Obj = obj.pop("stringData", None) or {}
    if string_data:
        data: Obj = obj.get("data") or {}
        obj["data"] = data
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def validate_secret(obj: Obj, old: Obj | None) -> list[Cause]:
    data: Obj = obj.get("data") or {}
    causes = _key_causes(data, "data")
    decoded: dict[str, bytes] = {}
    for key, value in data.items():
        raw = _decoded(value)
        if raw is None:
            causes.append(invalid(f"data[{key}]", REDACTED, "illegal base64 data"))
        else:
            decoded[key] = raw
    if sum(len(value) for value in decoded.values()) > MAX_DATA_SIZE:
        causes.append(too_long("data", MAX_DATA_SIZE))
    causes += _type_causes(obj, decoded)
    if old is not None:
        causes += immutable("type", obj.get("type"), old.get("type"))
    return causes + _immutability(obj, old, ("data",))


def _type_causes(obj: Obj, data: dict[str, bytes]) -> list[Cause]:
    kind = obj.get("type") or "Opaque"
    if kind == "kubernetes.io/service-account-token":
        annotations: Obj = (obj.get("metadata") or {}).get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            return [required("metadata.annotations[kubernetes.io/service-account.name]")]
        return []
    if kind in _JSON_KEYS:
        key = _JSON_KEYS[kind]
        if key not in data:
            return [required(f"data[{key}]")]
        try:
            parsed = json.loads(data[key])
        except ValueError as error:
            return [invalid(f"data[{key}]", REDACTED, str(error))]
        if not isinstance(parsed, dict):
            return [invalid(f"data[{key}]", REDACTED, "json: cannot unmarshal into a map")]
        return []
    if kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            return [required("data[username]"), required("data[password]")]
        return []
    if kind == "kubernetes.io/ssh-auth" and not data.get("ssh-privatekey"):
        return [required("data[ssh-privatekey]")]
    if kind == "kubernetes.io/tls":
        return [required(f"data[{key}]") for key in _REQUIRED_KEYS[kind] if key not in data]
    return []


def config_map_row(obj: Obj, now: float) -> list[Any]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [(obj.get("metadata") or {}).get("name", ""), count, age_cell(obj, now)]


def secret_row(obj: Obj, now: float) -> list[Any]:
    return [
        (obj.get("metadata") or {}).get("name", ""),
        obj.get("type", ""),
        len(obj.get("data") or {}),
        age_cell(obj, now),
    ]


def secret_field_labels(obj: Obj) -> dict[str, str]:
    labels = dict(metadata_field_labels(obj))
    labels["type"] = obj.get("type", "")
    return labels


CONFIG_MAP = ResourceType(
    group="",
    version="v1",
    kind="ConfigMap",
    plural="configmaps",
    singular="configmap",
    namespaced=True,
    definition="io.k8s.api.core.v1.ConfigMap",
    short_names=("cm",),
    validate=validate_config_map,
    columns=(
        name_column(),
        Column("Data", type="string", description=described("io.k8s.api.core.v1.ConfigMap", "data")),
        age_column(),
    ),
    row=config_map_row,
)

SECRET = ResourceType(
    group="",
    version="v1",
    kind="Secret",
    plural="secrets",
    singular="secret",
    namespaced=True,
    definition="io.k8s.api.core.v1.Secret",
    default=default_secret,
    validate=validate_secret,
    field_labels=secret_field_labels,
    columns=(
        name_column(),
        Column("Type", description=described("io.k8s.api.core.v1.Secret", "type")),
        Column("Data", description=described("io.k8s.api.core.v1.Secret", "data")),
        age_column(),
    ),
    row=secret_row,
)
