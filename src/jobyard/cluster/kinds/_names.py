"""Name and value formats shared by every kind (upstream ``util/validation``).

Each check returns upstream's messages for what is wrong with a string; an
empty list means it is valid. Callers wrap the messages into causes at their
own field path.
"""

from __future__ import annotations

import re

__all__ = [
    "DNS1123_LABEL_MAX",
    "config_map_key",
    "dns1035_label",
    "dns1123_label",
    "dns1123_subdomain",
    "env_var_name",
    "label_value",
    "mask_trailing_dash",
    "port_name",
    "qualified_name",
    "regex_error",
]

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63

_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + ")*"
_DNS1035 = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = "(" + _QUALIFIED + ")?"
_CONFIG_KEY = "[-._a-zA-Z0-9]+"
_QUALIFIED_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
)


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{pattern}$")


_LABEL_RE = _full(_LABEL)
_SUBDOMAIN_RE = _full(_SUBDOMAIN)
_DNS1035_RE = _full(_DNS1035)
_QUALIFIED_RE = _full(_QUALIFIED)
_LABEL_VALUE_RE = _full(_LABEL_VALUE)
_CONFIG_KEY_RE = _full(_CONFIG_KEY)
_PORT_NAME_CHARS_RE = re.compile("^[-a-z0-9]+$")
_HAS_LETTER_RE = re.compile("[a-z]")


def regex_error(what: str, pattern: str, *examples: str) -> str:
    if not examples:
        return f"{what} (regex used for validation is '{pattern}')"
    shown = ",  or ".join(f"'{example}'" for example in examples)
    return f"{what} (e.g. {shown}, regex used for validation is '{pattern}')"


def _max_length(limit: int) -> str:
    return f"must be no more than {limit} characters"


def dns1123_label(value: str) -> list[str]:
    errors = []
    if len(value) > DNS1123_LABEL_MAX:
        errors.append(_max_length(DNS1123_LABEL_MAX))
    if not _LABEL_RE.match(value):
        errors.append(
            regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                "and must start and end with an alphanumeric character",
                _LABEL,
                "my-name",
                "123-abc",
            )
        )
    return errors


def dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errors.append(_max_length(DNS1123_SUBDOMAIN_MAX))
    if not _SUBDOMAIN_RE.match(value):
        errors.append(
            regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                "'-' or '.', and must start and end with an alphanumeric character",
                _SUBDOMAIN,
                "example.com",
            )
        )
    return errors


def dns1035_label(value: str) -> list[str]:
    errors = []
    if len(value) > DNS1123_LABEL_MAX:
        errors.append(_max_length(DNS1123_LABEL_MAX))
    if not _DNS1035_RE.match(value):
        errors.append(
            regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                _DNS1035,
                "my-name",
                "abc-123",
            )
        )
    return errors


def mask_trailing_dash(prefix: str) -> str:
    """How upstream checks a ``generateName``: a trailing '-' is fine there."""
    if len(prefix) > 1 and prefix.endswith("-"):
        return prefix[:-1] + "a"
    return prefix


def qualified_name(value: str) -> list[str]:
    """A label key, annotation key or finalizer: ``[prefix/]name``."""
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_MESSAGE, _QUALIFIED, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend(f"prefix part {message}" for message in dns1123_subdomain(prefix))
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > QUALIFIED_NAME_MAX:
        errors.append("name part " + _max_length(QUALIFIED_NAME_MAX))
    if not _QUALIFIED_RE.match(name):
        errors.append("name part " + regex_error(_QUALIFIED_MESSAGE, _QUALIFIED, "MyName", "my.name", "123-abc"))
    return errors


def label_value(value: str) -> list[str]:
    errors = []
    if len(value) > LABEL_VALUE_MAX:
        errors.append(_max_length(LABEL_VALUE_MAX))
    if not _LABEL_VALUE_RE.match(value):
        errors.append(
            regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                _LABEL_VALUE,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return errors


def env_var_name(value: str) -> list[str]:
    """Upstream 1.33 (RelaxedEnvironmentVariableValidation on): printable ASCII but '='."""
    errors = []
    if not value:
        errors.append("environment variable name must be non-empty")
    if any(not (" " <= char <= "~") or char == "=" for char in value):
        errors.append(
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        )
    return errors


def config_map_key(value: str) -> list[str]:
    """A key of ConfigMap or Secret data (upstream ``IsConfigMapKey``)."""
    errors = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errors.append(_max_length(DNS1123_SUBDOMAIN_MAX))
    if not _CONFIG_KEY_RE.match(value):
        errors.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                _CONFIG_KEY,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def port_name(value: str) -> list[str]:
    """An IANA_SVC_NAME (RFC 6335): container and service port names."""
    errors = []
    if len(value) > 15:
        errors.append(_max_length(15))
    if not _PORT_NAME_CHARS_RE.match(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _HAS_LETTER_RE.search(value):
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors
