"""The Job's pod failure, success and pod replacement policies (upstream rules)."""

from __future__ import annotations

import itertools
from typing import Any

from jobyard.cluster.errors import Cause

from ._causes import OMIT, duplicate, invalid, non_negative, not_supported, required, too_long, too_many
from ._names import qualified_name

__all__ = [
    "IndexFormatError",
    "count_indexes",
    "validate_pod_failure_policy",
    "validate_pod_replacement_policy",
    "validate_success_policy",
]

Obj = dict[str, Any]

MAX_POD_FAILURE_POLICY_RULES = 20
MAX_EXIT_CODE_VALUES = 255
MAX_CONDITION_PATTERNS = 20
MAX_SUCCESS_POLICY_RULES = 20
MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024
ACTIONS = ("Count", "FailIndex", "FailJob", "Ignore")
EXIT_CODE_OPERATORS = ("In", "NotIn")
CONDITION_STATUSES = ("False", "True", "Unknown")
REPLACEMENT_POLICIES = ("Failed", "TerminatingOrFailed")


def _quoted_list(values: tuple[str, ...]) -> str:
    """Go's ``%q`` of a string slice: ``["a" "b"]``."""
    return "[" + " ".join(f'"{value}"' for value in values) + "]"


def validate_pod_replacement_policy(spec: Obj, path: str) -> list[Cause]:
    policy = spec.get("podReplacementPolicy")
    if policy is None:
        return []
    if spec.get("podFailurePolicy") is not None:
        return [] if policy == "Failed" else [not_supported(path, policy, ("Failed",))]
    return [] if policy in REPLACEMENT_POLICIES else [not_supported(path, policy, REPLACEMENT_POLICIES)]


def validate_pod_failure_policy(spec: Obj, path: str) -> list[Cause]:
    rules: list[Obj] = (spec.get("podFailurePolicy") or {}).get("rules") or []
    causes: list[Cause] = []
    if len(rules) > MAX_POD_FAILURE_POLICY_RULES:
        causes.append(too_many(f"{path}.rules", len(rules), MAX_POD_FAILURE_POLICY_RULES))
    pod_spec: Obj = (spec.get("template") or {}).get("spec") or {}
    container_names = {
        container.get("name") for key in ("containers", "initContainers") for container in pod_spec.get(key) or []
    }
    for index, rule in enumerate(rules):
        causes += _validate_rule(spec, rule, f"{path}.rules[{index}]", container_names)
    return causes


def _validate_rule(spec: Obj, rule: Obj, path: str, container_names: set[Any]) -> list[Cause]:
    causes: list[Cause] = []
    action = rule.get("action") or ""
    if not action:
        causes.append(required(f"{path}.action", f"valid values: {_quoted_list(ACTIONS)}"))
    elif action == "FailIndex":
        if spec.get("backoffLimitPerIndex") is None:
            causes.append(invalid(f"{path}.action", action, "requires the backoffLimitPerIndex to be set"))
    elif action not in ACTIONS:
        causes.append(not_supported(f"{path}.action", action, ACTIONS))
    on_exit_codes = rule.get("onExitCodes")
    on_conditions = rule.get("onPodConditions") or []
    if on_exit_codes is not None:
        causes += _validate_exit_codes(on_exit_codes, f"{path}.onExitCodes", container_names)
    if on_conditions:
        causes += _validate_conditions(on_conditions, f"{path}.onPodConditions")
    if on_exit_codes is not None and on_conditions:
        causes.append(invalid(path, OMIT, "specifying both OnExitCodes and OnPodConditions is not supported"))
    if on_exit_codes is None and not on_conditions:
        causes.append(invalid(path, OMIT, "specifying one of OnExitCodes and OnPodConditions is required"))
    return causes


def _validate_conditions(patterns: list[Obj], path: str) -> list[Cause]:
    causes: list[Cause] = []
    if len(patterns) > MAX_CONDITION_PATTERNS:
        causes.append(too_many(path, len(patterns), MAX_CONDITION_PATTERNS))
    for index, pattern in enumerate(patterns):
        at = f"{path}[{index}]"
        kind = pattern.get("type") or ""
        causes += [invalid(f"{at}.type", kind, message) for message in qualified_name(kind)]
        status = pattern.get("status") or ""
        if not status:
            causes.append(required(f"{at}.status", f"valid values: {_quoted_list(CONDITION_STATUSES)}"))
        elif status not in CONDITION_STATUSES:
            causes.append(not_supported(f"{at}.status", status, CONDITION_STATUSES))
    return causes


def _validate_exit_codes(requirement: Obj, path: str, container_names: set[Any]) -> list[Cause]:
    causes: list[Cause] = []
    operator = requirement.get("operator") or ""
    if not operator:
        causes.append(required(f"{path}.operator", f"valid values: {_quoted_list(EXIT_CODE_OPERATORS)}"))
    elif operator not in EXIT_CODE_OPERATORS:
        causes.append(not_supported(f"{path}.operator", operator, EXIT_CODE_OPERATORS))
    container_name = requirement.get("containerName")
    if container_name is not None and container_name not in container_names:
        causes.append(
            invalid(
                f"{path}.containerName",
                container_name,
                "must be one of the container or initContainer names in the pod template",
            )
        )
    values: list[int] = requirement.get("values") or []
    if not values:
        causes.append(invalid(f"{path}.values", values, "at least one value is required"))
    elif len(values) > MAX_EXIT_CODE_VALUES:
        causes.append(too_many(f"{path}.values", len(values), MAX_EXIT_CODE_VALUES))
    seen: set[int] = set()
    for index, value in enumerate(values):
        at = f"{path}.values[{index}]"
        if operator == "In" and value == 0:
            causes.append(invalid(at, value, "must not be 0 for the In operator"))
        if value in seen:
            causes.append(duplicate(at, value))
        seen.add(value)
    if any(earlier > later for earlier, later in itertools.pairwise(values)):
        causes.append(invalid(f"{path}.values", values, "must be ordered"))
    return causes


class IndexFormatError(ValueError):
    """An index list such as ``1,3-5`` that is malformed; the message is upstream's."""


def _parse_interval(text: str, completions: int) -> tuple[int, int]:
    limits = text.split("-")
    if len(limits) > 2:
        raise IndexFormatError(
            f'the fragment "{text}" violates the requirement that an index interval can have at most two '
            "parts separated by '-'"
        )
    bounds = []
    for limit in limits:
        if not limit.lstrip("+-").isdigit():
            raise IndexFormatError(f'cannot convert string to integer for index: "{limit}"')
        if int(limit) >= completions:
            raise IndexFormatError(f'too large index: "{limit}"')
        bounds.append(int(limit))
    if len(bounds) == 2 and bounds[0] >= bounds[1]:
        raise IndexFormatError(f"non-increasing order, previous: {bounds[0]}, current: {bounds[1]}")
    return bounds[0], bounds[-1]


def count_indexes(text: str, completions: int) -> int:
    """How many indexes ``text`` names; raises :class:`IndexFormatError` when malformed."""
    if not text:
        return 0
    total = 0
    last: int | None = None
    for interval in text.split(","):
        first, end = _parse_interval(interval, completions)
        if last is not None and last >= first:
            raise IndexFormatError(f"non-increasing order, previous: {last}, current: {first}")
        total += end - first + 1
        last = end
    return total


def validate_success_policy(spec: Obj, path: str) -> list[Cause]:
    if spec.get("completionMode", "NonIndexed") != "Indexed":
        return [invalid(path, spec["successPolicy"], "requires indexed completion mode")]
    rules: list[Obj] = (spec.get("successPolicy") or {}).get("rules") or []
    causes: list[Cause] = []
    if not rules:
        causes.append(
            required(f"{path}.rules", "at least one rules must be specified when the successPolicy is specified")
        )
    if len(rules) > MAX_SUCCESS_POLICY_RULES:
        causes.append(too_many(f"{path}.rules", len(rules), MAX_SUCCESS_POLICY_RULES))
    completions = spec.get("completions") or 0
    for index, rule in enumerate(rules):
        causes += _validate_success_rule(rule, f"{path}.rules[{index}]", completions)
    return causes


def _validate_success_rule(rule: Obj, path: str, completions: int) -> list[Cause]:
    causes: list[Cause] = []
    indexes, count = rule.get("succeededIndexes"), rule.get("succeededCount")
    if indexes is None and count is None:
        causes.append(required(path, "at least one of succeededCount or succeededIndexes must be specified"))
    total = 0
    if indexes is not None:
        if len(indexes) > MAX_SUCCEEDED_INDEXES_LENGTH:
            causes.append(too_long(f"{path}.succeededIndexes", MAX_SUCCEEDED_INDEXES_LENGTH))
        try:
            total = count_indexes(indexes, completions)
        except IndexFormatError as error:
            causes.append(invalid(f"{path}.succeededIndexes", indexes, f"error parsing succeededIndexes: {error}"))
    if count is not None:
        at = f"{path}.succeededCount"
        causes += non_negative(at, count)
        if count > completions:
            causes.append(
                invalid(at, count, f"must be less than or equal to {completions} (the number of specified completions)")
            )
        if indexes is not None and count > total:
            causes.append(
                invalid(
                    at,
                    count,
                    f"must be less than or equal to {total} (the number of indexes in the specified "
                    "succeededIndexes field)",
                )
            )
    return causes
