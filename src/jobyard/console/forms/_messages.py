"""Validation messages: one English text per error code, translated through a gettext catalog.

The English text is the msgid, as gettext intends, so English needs no catalog; Chinese comes from
``console/i18n/zh_CN/LC_MESSAGES/forms.po``, read at run time with Babel's ``read_po`` (no compiled
.mo to keep in step). Texts are ``str.format`` templates; their fields are named per code.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from jobyard.console.i18n import LANGUAGES, Catalog, Language

__all__ = ["LANGUAGES", "MESSAGES", "FieldError", "Language", "field_error", "message"]


MESSAGES: dict[str, str] = {
    "required": "This field is required.",
    "nameLength": "Must be 4 to 63 characters long.",
    "nameCharacters": "Use only lowercase letters, digits and '-'.",
    "nameStart": "Must start with a lowercase letter.",
    "nameEnd": "Must end with a lowercase letter or a digit.",
    "nameTaken": "{name} already exists in namespace {namespace}.",
    "dnsLabelInvalid": "Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    "tooLong": "Must be at most {maximum} characters ({length} given).",
    "atLeast": "Must be at least {minimum}.",
    "atMost": "Must be at most {maximum}.",
    "parallelismExceedsInstances": "Must not exceed the number of instances ({instances}).",
    "containersRequired": "Add at least one container.",
    "duplicate": "{value} is already used.",
    "imageInvalid": "An image reference has no spaces, such as nginx:1.27 or registry.example.com/team/app:v1.",
    "objectNameInvalid": "Use at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.",
    "quantityInvalid": "Not a quantity: use a number with an optional suffix, such as 250m, 0.5, 512Mi or 2Gi.",
    "negative": "Must not be negative.",
    "requestExceedsLimit": "The request must not exceed the limit ({limit}).",
    "portRange": "Must be a port number from 1 to 65535.",
    "portNameInvalid": "Port names have at most 15 lowercase letters, digits and '-', at least one letter, no '-' at either end and no '--'.",
    "portConflict": "Port {port}/{protocol} is already used by container {container}; the containers of a pod must not share a port.",
    "pathInvalid": "Must be an absolute path starting with '/'.",
    "commandRequired": "Enter a command.",
    "successThresholdMustBeOne": "Must be 1 for liveness and startup checks.",
    "envNameInvalid": "Variable names are printable ASCII characters without '='.",
    "notSupported": "Choose one of: {choices}.",
    "keyInvalid": "Keys have at most 253 letters, digits, '-', '_' and '.'.",
    "subPathInvalid": "Must be a relative path without '..'.",
    "volumeConflict": "Volume {volume} is already used with another source.",
    "runAsNonRootConflict": "A container that must not run as root cannot run as UID 0.",
    "capabilityInvalid": "Capability names are uppercase letters, digits and '_', such as NET_ADMIN.",
    "logPathRoot": "Logs cannot be collected from '/' itself; name a directory.",
    "nodePortRange": "Must be from 30000 to 32767.",
    "nodePortNotAllowed": "Only NodePort and LoadBalancer services have node ports.",
    "servicePortNameRequired": "Name every port when a service has more than one.",
    "servicePortsRequired": "Add at least one port.",
    "selectorRequired": "Add at least one selector label.",
    "labelKeyInvalid": "Keys are an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.",
    "labelValueInvalid": "Values have at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.",
    "trafficPolicyNotAllowed": "Only NodePort and LoadBalancer services have an external traffic policy.",
    "rejected": "The cluster rejected this value: {detail}",
}


_FORMS = Catalog("forms", MESSAGES)


class FieldError(BaseModel):
    """One broken rule: where (a form path, see the package docs), which rule, and what to tell the user."""

    model_config = ConfigDict(frozen=True)

    path: str
    code: str
    message: str


def message(code: str, lang: Language, **params: Any) -> str:
    return _FORMS.message(code, lang, **params)


def field_error(path: str, code: str, lang: Language, **params: Any) -> FieldError:
    return FieldError(path=path, code=code, message=message(code, lang, **params))
