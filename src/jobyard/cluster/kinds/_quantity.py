"""Kubernetes resource quantities (``100m``, ``1Gi``, ``1e3``) as exact decimals."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["QUANTITY_FORMAT_ERROR", "QuantityError", "parse_quantity", "quantity_units"]

QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

_SHAPE = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_EXPONENT = re.compile(r"^[eE][-+]?[0-9]+$")

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class QuantityError(ValueError):
    """A string that is not a quantity; the message is upstream's."""


def parse_quantity(text: str) -> Decimal:
    """The exact value of ``text``: ``parse_quantity("100m") == Decimal("0.1")``."""
    shape = _SHAPE.match(text.strip()) if text == text.strip() else None
    if shape is None:
        raise QuantityError(QUANTITY_FORMAT_ERROR)
    number, suffix = shape.groups()
    if not _NUMBER.match(number):
        raise QuantityError("unable to parse numeric part of quantity")
    try:
        value = Decimal(number)
    except InvalidOperation as error:
        raise QuantityError("unable to parse numeric part of quantity") from error
    if suffix in _BINARY:
        return value * (2 ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return value.scaleb(_DECIMAL[suffix])
    if _EXPONENT.match(suffix):
        return value.scaleb(int(suffix[1:]))
    raise QuantityError("unable to parse quantity's suffix")


def quantity_units(value: object, scale: int = 1) -> int | None:
    """``value`` in whole units of ``1/scale`` (``scale=1000``: millicores), rounded up as upstream's
    MilliValue does; None when unset or not a quantity."""
    if value is None:
        return None
    try:
        return int((parse_quantity(str(value)) * scale).to_integral_value(rounding="ROUND_CEILING"))
    except (QuantityError, ArithmeticError):
        return None
