"""Validation of label selectors (``metav1.LabelSelector``) inside object specs.

Matching lives in :mod:`jobyard.cluster.selectors`, shared with list and watch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobyard.cluster.errors import BadRequest, Cause
from jobyard.cluster.selectors import selector_from_label_selector

from ._causes import forbidden, invalid, not_supported, required
from ._meta import validate_labels
from ._names import qualified_name

__all__ = ["selector_matches", "validate_label_selector"]

Obj = dict[str, Any]

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Obj, path: str) -> list[Cause]:
    causes = validate_labels(selector.get("matchLabels") or {}, f"{path}.matchLabels")
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        at = f"{path}.matchExpressions[{index}]"
        operator = expression.get("operator") or ""
        values = expression.get("values") or []
        if operator in ("In", "NotIn") and not values:
            causes.append(required(f"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(
                forbidden(f"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
            )
        elif operator not in OPERATORS:
            causes.append(not_supported(f"{at}.operator", operator, OPERATORS))
        key = expression.get("key") or ""
        causes += [invalid(f"{at}.key", key, message) for message in qualified_name(key)]
    return causes


def selector_matches(selector: Obj, labels: Mapping[str, str]) -> bool | None:
    """Whether ``labels`` satisfy ``selector``; None when the selector cannot be read."""
    try:
        return selector_from_label_selector(selector).matches(labels)
    except BadRequest:
        return None
