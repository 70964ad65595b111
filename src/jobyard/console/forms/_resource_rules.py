"""The field rules for what the console creates on a cluster besides Jobs: namespaces, ConfigMaps, Secrets.

Checked before the cluster is asked, so a bad name comes back on its field in the user's language
(the cluster's own refusal is English only) and nothing reaches the cluster. A key of ``labels``
or ``data`` is named by its path ``labels.<key>`` / ``data.<key>``, as the API names a dict's
entries. The rules are upstream's: a namespace name is a DNS label, an object name a DNS
subdomain, a data key ``IsConfigMapKey``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._messages import FieldError, Language, field_error
from ._validate import _CONFIG_KEY, _DNS_LABEL, _LABEL_NAME, _Checker

__all__ = ["data_errors", "namespace_errors", "object_name_errors"]


def namespace_errors(name: str, labels: Mapping[str, str], lang: Language) -> list[FieldError]:
    errors = [] if _DNS_LABEL.match(name) else [field_error("name", "dnsLabelInvalid", lang)]
    for key, value in labels.items():
        if not _Checker.qualified_name_ok(key):
            errors.append(field_error(f"labels.{key}", "labelKeyInvalid", lang))
        elif len(value) > 63 or not _LABEL_NAME.match(value):
            errors.append(field_error(f"labels.{key}", "labelValueInvalid", lang))
    return errors


def object_name_errors(name: str, lang: Language, path: str = "name") -> list[FieldError]:
    """A ConfigMap's or Secret's name."""
    return [] if _Checker.object_name_ok(name) else [field_error(path, "objectNameInvalid", lang)]


def data_errors(data: Mapping[str, str], lang: Language) -> list[FieldError]:
    """The keys of a ConfigMap's or Secret's data; values are never looked at, nor echoed."""
    return [field_error(f"data.{key}", "keyInvalid", lang) for key in data if not _config_key_ok(key)]


def _config_key_ok(key: str) -> bool:
    return len(key) <= 253 and bool(_CONFIG_KEY.match(key)) and key not in (".", "..") and not key.startswith("..")
