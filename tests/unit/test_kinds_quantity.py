from decimal import Decimal

import pytest

from jobyard.cluster.kinds import QuantityError, parse_quantity
from jobyard.cluster.kinds._quantity import QUANTITY_FORMAT_ERROR


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("100m", Decimal("0.1"), id="m is a thousandth"),
        pytest.param("1Gi", Decimal(2**30), id="Gi is a binary gigabyte"),
        pytest.param("1Ki", Decimal(1024), id="Ki is 1024"),
        pytest.param("1e3", Decimal(1000), id="e gives a decimal exponent"),
        pytest.param("1E-3", Decimal("0.001"), id="a negative exponent is allowed"),
        pytest.param("0.5", Decimal("0.5"), id="a bare fraction needs no suffix"),
        pytest.param(".5", Decimal("0.5"), id="a fraction may omit the leading zero"),
        pytest.param("2k", Decimal(2000), id="k is a thousand"),
        pytest.param("3M", Decimal(3_000_000), id="M is a million"),
        pytest.param("5n", Decimal("0.000000005"), id="n is a billionth"),
        pytest.param("-1", Decimal(-1), id="a sign is parsed"),
    ],
)
def test_parse_quantity(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("abc", QUANTITY_FORMAT_ERROR, id="letters without a number do not match the shape"),
        pytest.param("", QUANTITY_FORMAT_ERROR, id="the empty string is not a quantity"),
        pytest.param(" 1", QUANTITY_FORMAT_ERROR, id="surrounding spaces are rejected"),
        pytest.param("1Gb", QUANTITY_FORMAT_ERROR, id="b is not a suffix letter"),
        pytest.param("1.2.3", "unable to parse numeric part of quantity", id="two decimal points do not parse"),
        pytest.param("1mi", "unable to parse quantity's suffix", id="mi is not a suffix"),
    ],
)
def test_parse_quantity_rejects(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as error:
        parse_quantity(text)
    assert str(error.value) == message
