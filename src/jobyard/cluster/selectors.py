"""Label and field selectors, as upstream parses and matches them.

Label selectors (``?labelSelector=``) support ``=``, ``==``, ``!=``, ``in``,
``notin``, existence (``key``), non-existence (``!key``), ``>`` and ``<``;
field selectors (``?fieldSelector=``) only ``=``, ``==`` and ``!=``. A
``LabelSelector`` object (``matchLabels``/``matchExpressions``, as in a Job's
``spec.selector``) becomes the same requirements.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobyard.cluster.errors import BadRequest

__all__ = [
    "Requirement",
    "Selector",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_label_selector",
]

_TOKEN = re.compile(r"\s*(==|!=|=|!|\(|\)|,|>|<|[^\s=!(),<>]+)")
_SET_OPERATORS = {"in", "notin"}


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.operator:
            case "=" | "in":
                return present and value in self.values
            case "!=" | "notin":
                return not present or value not in self.values
            case "exists":
                return present
            case "!":
                return not present
            case "gt" | "lt":
                if not present:
                    return False
                try:
                    number, bound = int(value or ""), int(self.values[0])
                except ValueError:
                    return False
                return number > bound if self.operator == "gt" else number < bound
        return False


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(requirement.matches(labels) for requirement in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise BadRequest(f"unable to parse requirement: invalid character in {text!r}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def parse_label_selector(text: str | None) -> Selector:
    """Parse ``?labelSelector=``; a malformed one is a 400 BadRequest."""
    if not text or not text.strip():
        return Selector()
    tokens = _tokens(text)
    requirements: list[Requirement] = []
    index = 0

    def fail(found: str, expected: str) -> BadRequest:
        return BadRequest(f"unable to parse requirement: found '{found}', expected: {expected}")

    def take() -> str:
        nonlocal index
        if index >= len(tokens):
            return ""
        index += 1
        return tokens[index - 1]

    while True:
        token = take()
        if token == "!":
            key = take()
            if not _is_identifier(key):
                raise fail(key, "identifier")
            requirements.append(Requirement(key, "!"))
        elif _is_identifier(token):
            key = token
            operator = tokens[index] if index < len(tokens) else ""
            if operator in ("", ","):
                requirements.append(Requirement(key, "exists"))
            elif operator in ("=", "==", "!="):
                take()
                value = tokens[index] if index < len(tokens) else ""
                if value in ("", ","):
                    value = ""
                else:
                    if not _is_identifier(value):
                        raise fail(value, "identifier")
                    take()
                requirements.append(Requirement(key, "!=" if operator == "!=" else "=", (value,)))
            elif operator in (">", "<"):
                take()
                value = take()
                if not value.lstrip("-").isdigit():
                    raise fail(value, "integer value")
                requirements.append(Requirement(key, "gt" if operator == ">" else "lt", (value,)))
            elif operator in _SET_OPERATORS:
                take()
                if take() != "(":
                    raise fail(tokens[index - 1] if index else "", "'('")
                values: list[str] = []
                while True:
                    value = take()
                    if value == ")" and not values:
                        break
                    if value in (",", ")"):
                        values.append("")
                        if value == ")":
                            break
                        continue
                    if not _is_identifier(value):
                        raise fail(value, "',' or ')'")
                    values.append(value)
                    separator = take()
                    if separator == ")":
                        break
                    if separator != ",":
                        raise fail(separator, "',' or ')'")
                if not values:
                    raise BadRequest("for 'in', 'notin' operators, values set can't be empty")
                requirements.append(Requirement(key, operator, tuple(values)))
            else:
                raise fail(operator, "'=', '!=', '==', 'in', notin'")
        else:
            raise fail(token, "identifier")
        separator = take()
        if separator == "":
            break
        if separator != ",":
            raise fail(separator, "','")
    return Selector(tuple(requirements))


def _is_identifier(token: str) -> bool:
    return bool(token) and token not in ("!", "(", ")", ",", "=", "==", "!=", ">", "<")


def parse_field_selector(text: str | None) -> Selector:
    """Parse ``?fieldSelector=`` (``a=b,c!=d``); values may hold escaped ``\\,``."""
    if not text or not text.strip():
        return Selector()
    requirements = []
    for term in re.split(r"(?<!\\),", text):
        match = re.fullmatch(r"\s*([^=!\s]+)\s*(==|=|!=)(.*)", term)
        if match is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{term}'")
        key, operator, value = match.groups()
        value = re.sub(r"\\(.)", r"\1", value.strip())
        requirements.append(Requirement(key, "!=" if operator == "!=" else "=", (value,)))
    return Selector(tuple(requirements))


def selector_from_label_selector(label_selector: Mapping[str, Any] | None) -> Selector:
    """The requirements of a ``LabelSelector`` object; None or {} matches everything."""
    if not label_selector:
        return Selector()
    requirements = [
        Requirement(key, "=", (str(value),)) for key, value in sorted((label_selector.get("matchLabels") or {}).items())
    ]
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in label_selector.get("matchExpressions") or []:
        operator = operators.get(expression.get("operator", ""))
        if operator is None:
            raise BadRequest(f"{expression.get('operator')!r} is not a valid label selector operator")
        requirements.append(Requirement(expression.get("key", ""), operator, tuple(expression.get("values") or ())))
    return Selector(tuple(requirements))
