"""Whatever bytes arrive, decode_object answers a dict or a BadRequest, nothing else."""

from hypothesis import given, settings
from hypothesis import strategies as st

from jobyard.cluster.errors import BadRequest
from jobyard.cluster.protobuf import MAGIC, decode_object

# `kubectl create job j1 --image=busybox -- echo hi`, as kubectl 1.33 sent it.
JOB_BODY = bytes.fromhex(
    "6b3873000a0f0a0862617463682f763112034a6f621284010a120a026a3112001a0022002a00320038004200126432620a100a0012001a"
    "0022002a00320038004200124e122b0a026a31120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100"
    "a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200"
)
RAW_OFFSET = JOB_BODY.index(b"\x12\x84\x01") + 3


def outcome(body: bytes) -> None:
    try:
        assert isinstance(decode_object(body), dict)
    except BadRequest:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_the_magic_number(tail: bytes) -> None:
    outcome(MAGIC + tail)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(JOB_BODY) - 1), st.integers(0, 255))
def test_a_real_body_with_one_byte_changed(position: int, byte: int) -> None:
    outcome(JOB_BODY[:position] + bytes([byte]) + JOB_BODY[position + 1 :])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=127))
def test_arbitrary_bytes_as_the_raw_job_message(raw: bytes) -> None:
    envelope = b"\x0a\x0f\x0a\x08batch/v1\x12\x03Job"
    outcome(MAGIC + envelope + b"\x12" + bytes([len(raw)]) + raw)  # a one-byte length prefix: under 128 bytes


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(JOB_BODY) - RAW_OFFSET))
def test_a_real_body_cut_short(length: int) -> None:
    outcome(JOB_BODY[: RAW_OFFSET + length])
