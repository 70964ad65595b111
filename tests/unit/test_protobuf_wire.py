"""The wire reader: varints and the records of one message."""

import pytest

from jobyard.cluster.errors import BadRequest
from jobyard.cluster.protobuf._wire import read_varint, records


@pytest.mark.parametrize(
    ("encoded", "value"),
    [(b"\x00", 0), (b"\x01", 1), (b"\xac\x02", 300), (b"\xff" * 9 + b"\x01", (1 << 64) - 1)],
)
def test_varint_reads_little_endian_groups_of_seven_bits(encoded: bytes, value: int) -> None:
    assert read_varint(encoded, 0) == (value, len(encoded))


def test_varint_longer_than_ten_bytes_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="10 bytes"):
        read_varint(b"\x80" * 10 + b"\x01", 0)


def test_varint_cut_short_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="end of data"):
        read_varint(b"\x80", 0)


def test_records_give_number_wire_type_and_value_in_order() -> None:
    assert list(records(b"\x08\x96\x01\x12\x02hi")) == [(1, 0, 150), (2, 2, b"hi")]


def test_fixed_width_values_are_read_little_endian() -> None:
    assert list(records(b"\x0d\x01\x00\x00\x00\x11" + b"\x02" + b"\x00" * 7)) == [(1, 5, 1), (2, 1, 2)]


def test_groups_are_skipped_with_their_nested_groups() -> None:
    group = b"\x0b" + b"\x13\x08\x01\x14" + b"\x0c"
    assert list(records(group + b"\x10\x07")) == [(2, 0, 7)]


def test_field_number_zero_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="field number 0"):
        list(records(b"\x00\x01"))


@pytest.mark.parametrize("key", [b"\x0e", b"\x0f"])
def test_wire_types_six_and_seven_are_bad_requests(key: bytes) -> None:
    with pytest.raises(BadRequest, match="wire type"):
        list(records(key + b"\x00"))


def test_end_of_group_without_a_start_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="end of group"):
        list(records(b"\x0c"))


def test_mismatched_end_of_group_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="mismatched"):
        list(records(b"\x0b\x14"))


def test_length_past_the_end_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="past the end"):
        list(records(b"\x0a\x05ab"))
