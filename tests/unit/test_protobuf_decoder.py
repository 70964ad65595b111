"""decode_object: Kubernetes protobuf bodies read as the JSON the same object would have been."""

import base64
import struct
from typing import Any

import pytest

from jobyard.cluster import protobuf
from jobyard.cluster.errors import BadRequest
from jobyard.cluster.protobuf import MAGIC, decode_object

# Bodies kubectl 1.33 sent for `kubectl create ...`, captured from the wire.
KUBECTL_BODIES = {
    "configmap --from-literal=a=b": (
        "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a0032003800420012060a01611201621a002200",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"}, "data": {"a": "b"}},
    ),
    "secret generic --from-literal=p=q": (
        "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a0032003800420012060a01701201711a001a002200",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"}, "data": {"p": "cQ=="}},
    ),
    "namespace": (
        "6b3873000a0f0a02763112094e616d657370616365121a0a120a026e3112001a0022002a0032003800420012001a020a001a002200",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n1"}, "spec": {}, "status": {}},
    ),
    "serviceaccount": (
        "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a003200380042001a002200",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa1"}},
    ),
    "service clusterip --tcp=80:8080": (
        "6b3873000a0d0a02763112075365727669636512660a1d0a02783112001a0022002a003200380042005a090a036170701202783112410a"
        "1b0a0738302d38303830120354435018502207080010903f1a00280012090a03617070120278311a002209436c757374657249503a0042"
        "0052005a00600068001a020a001a002200",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "x1", "labels": {"app": "x1"}},
            "spec": {
                "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "x1"},
                "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        },
    ),
    "job --image=busybox -- echo hi": (
        "6b3873000a0f0a0862617463682f763112034a6f621284010a120a026a3112001a0022002a00320038004200126432620a100a0012001a"
        "0022002a00320038004200124e122b0a026a31120762757379626f781a046563686f1a0268692a0042006a007200800100880100900100"
        "a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200",
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j1"},
            "spec": {
                "template": {
                    "metadata": {},
                    "spec": {
                        "containers": [{"name": "j1", "image": "busybox", "command": ["echo", "hi"], "resources": {}}],
                        "restartPolicy": "Never",
                    },
                }
            },
            "status": {},
        },
    ),
}


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: bytes | str | int | bool) -> bytes:
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return varint(number << 3 | 2) + varint(len(value)) + value
    return varint(number << 3) + varint(int(value))


def message(*fields: bytes) -> bytes:
    return b"".join(fields)


def body(api_version: str, kind: str, raw: bytes, *extra: bytes) -> bytes:
    type_meta = message(field(1, api_version), field(2, kind))
    return MAGIC + message(field(1, type_meta), field(2, raw), *extra)


def decoded(api_version: str, kind: str, *fields: bytes) -> dict[str, Any]:
    obj = decode_object(body(api_version, kind, message(*fields)))
    return {key: value for key, value in obj.items() if key not in ("apiVersion", "kind")}


def job_spec(*fields: bytes) -> dict[str, Any]:
    spec: dict[str, Any] = decoded("batch/v1", "Job", field(2, message(*fields)))["spec"]
    return spec


def container(*fields: bytes) -> dict[str, Any]:
    pod_spec = field(2, message(field(2, message(*fields))))
    first: dict[str, Any] = decoded("v1", "Pod", pod_spec)["spec"]["containers"][0]
    return first


def timestamp(seconds: int, nanos: int = 0) -> bytes:
    return message(field(1, seconds), field(2, nanos))


@pytest.mark.parametrize("command", list(KUBECTL_BODIES))
def test_kubectl_bodies_decode_to_their_json_form(command: str) -> None:
    hex_body, expected = KUBECTL_BODIES[command]
    assert decode_object(bytes.fromhex(hex_body)) == expected


def test_api_version_and_kind_come_from_the_envelope() -> None:
    obj = decode_object(body("v1", "ConfigMap", b""))
    assert obj == {"apiVersion": "v1", "kind": "ConfigMap"}


def test_body_without_the_magic_number_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        decode_object(b'{"kind": "ConfigMap"}')


def test_unregistered_kind_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match='no kind "Deployment" is registered for version "apps/v1"'):
        decode_object(body("apps/v1", "Deployment", b""))


def test_delete_options_are_read_under_any_group_version() -> None:
    options = decoded("batch/v1", "DeleteOptions", field(4, "Foreground"), field(1, 0))
    assert options == {"propagationPolicy": "Foreground", "gracePeriodSeconds": 0}


def test_eviction_carries_its_delete_options() -> None:
    eviction = decoded("policy/v1", "Eviction", field(1, message(field(1, "p"))), field(2, message(field(5, "All"))))
    assert eviction == {"metadata": {"name": "p"}, "deleteOptions": {"dryRun": ["All"]}}


def test_content_encoding_is_refused() -> None:
    with pytest.raises(BadRequest, match="content encoding"):
        decode_object(body("v1", "ConfigMap", b"", field(3, "gzip")))


def test_unknown_field_numbers_are_skipped_whatever_their_wire_type() -> None:
    unknown = (
        field(99, 7)
        + field(98, "new")
        + varint(97 << 3 | 1)
        + struct.pack("<d", 1.5)
        + varint(96 << 3 | 5)
        + struct.pack("<f", 1.5)
        + varint(95 << 3 | 3)
        + field(1, 1)
        + varint(95 << 3 | 4)
    )
    assert decoded("v1", "ConfigMap", unknown, field(1, message(field(1, "cm")))) == {"metadata": {"name": "cm"}}


def test_zero_values_of_plain_fields_are_left_out_as_omitempty_would() -> None:
    meta = message(field(1, "cm"), field(2, ""), field(5, ""), field(7, 0), field(8, b""))
    assert decoded("v1", "ConfigMap", field(1, meta)) == {"metadata": {"name": "cm"}}


def test_present_pointer_fields_are_kept_even_when_zero() -> None:
    assert job_spec(field(7, 0), field(8, 0), field(10, False)) == {
        "backoffLimit": 0,
        "ttlSecondsAfterFinished": 0,
        "suspend": False,
    }


def test_absent_pointer_fields_stay_absent() -> None:
    assert job_spec() == {}


def test_negative_int32_is_read_from_its_ten_byte_varint() -> None:
    assert container(field(1, "c"), field(6, message(field(3, -1))))["ports"] == [{"containerPort": -1}]


def test_int64_keeps_its_full_range() -> None:
    meta = message(field(1, "cm"), field(7, (1 << 63) - 1))
    assert decoded("v1", "ConfigMap", field(1, meta))["metadata"]["generation"] == (1 << 63) - 1


def test_map_entries_become_an_object() -> None:
    entries = field(2, message(field(1, "a"), field(2, "1"))) + field(2, message(field(1, "b"), field(2, "2")))
    assert decoded("v1", "ConfigMap", entries) == {"data": {"a": "1", "b": "2"}}


def test_map_entry_without_a_value_holds_the_zero_value() -> None:
    assert decoded("v1", "ConfigMap", field(2, message(field(1, "a")))) == {"data": {"a": ""}}


def test_bytes_become_base64_strings() -> None:
    binary = field(3, message(field(1, "bin"), field(2, b"\x00\xff")))
    assert decoded("v1", "ConfigMap", binary) == {"binaryData": {"bin": base64.b64encode(b"\x00\xff").decode()}}


def test_quantity_is_its_string() -> None:
    limits = field(8, message(field(1, message(field(1, "cpu"), field(2, message(field(1, "500m")))))))
    assert container(limits)["resources"] == {"limits": {"cpu": "500m"}}


def test_empty_quantity_is_zero() -> None:
    limits = field(8, message(field(1, message(field(1, "cpu"), field(2, b"")))))
    assert container(limits)["resources"] == {"limits": {"cpu": "0"}}


def test_int_or_string_holds_a_number_or_a_name() -> None:
    number = field(4, message(field(1, 0), field(2, 8080), field(3, "")))
    name = field(4, message(field(1, 1), field(2, 0), field(3, "http")))
    spec = decoded("v1", "Service", field(2, message(field(1, message(number)), field(1, message(name)))))["spec"]
    assert [port["targetPort"] for port in spec["ports"]] == [8080, "http"]


def test_int_or_string_of_an_unknown_type_is_a_bad_request() -> None:
    port = field(1, message(field(4, message(field(1, 2)))))
    with pytest.raises(BadRequest, match="IntOrString"):
        decoded("v1", "Service", field(2, message(port)))


def test_time_is_rfc3339_in_whole_seconds() -> None:
    meta = message(field(1, "cm"), field(8, timestamp(1_700_000_000, 999_000_000)))
    assert decoded("v1", "ConfigMap", field(1, meta))["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"


def test_micro_time_keeps_microseconds() -> None:
    assert decoded("v1", "Event", field(10, timestamp(0, 123_456_789))) == {"eventTime": "1970-01-01T00:00:00.123456Z"}


def test_zero_time_sent_as_an_empty_message_is_left_out() -> None:
    meta = message(field(1, "cm"), field(8, b""))
    assert decoded("v1", "ConfigMap", field(1, meta)) == {"metadata": {"name": "cm"}}


def test_time_at_the_epoch_is_kept() -> None:
    meta = field(1, message(field(8, timestamp(0))))
    assert decoded("v1", "ConfigMap", meta)["metadata"]["creationTimestamp"] == "1970-01-01T00:00:00Z"


def test_time_out_of_range_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="timestamp"):
        decoded("v1", "ConfigMap", field(1, message(field(8, timestamp(1 << 62)))))


def test_fields_v1_is_its_json_document() -> None:
    entry = message(field(1, "kubectl"), field(7, message(field(1, b'{"f:data":{}}'))))
    meta = decoded("v1", "ConfigMap", field(1, message(field(17, entry))))["metadata"]
    assert meta["managedFields"] == [{"manager": "kubectl", "fieldsV1": {"f:data": {}}}]


def test_fields_v1_that_is_not_json_is_a_bad_request() -> None:
    entry = message(field(7, message(field(1, b"{"))))
    with pytest.raises(BadRequest, match="fieldsV1"):
        decoded("v1", "ConfigMap", field(1, message(field(17, entry))))


def test_embedded_struct_fields_join_the_parent_object() -> None:
    volume = message(field(1, "cache"), field(2, message(field(2, message(field(1, "Memory"))))))
    assert decoded("v1", "Pod", field(2, message(field(1, volume))))["spec"]["volumes"] == [
        {"name": "cache", "emptyDir": {"medium": "Memory"}}
    ]


def test_embedded_reference_name_joins_the_key_selector() -> None:
    selector = message(field(1, message(field(1, "creds"))), field(2, "token"))
    env = message(field(1, "TOKEN"), field(3, message(field(4, selector))))
    assert container(field(7, env))["env"] == [
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}
    ]


def test_probe_handler_joins_the_probe() -> None:
    probe = message(field(1, message(field(1, message(field(1, "true"))))), field(4, 5))
    assert container(field(10, probe))["livenessProbe"] == {"exec": {"command": ["true"]}, "periodSeconds": 5}


def test_packed_repeated_integers_are_read() -> None:
    groups = field(14, message(field(4, varint(1000) + varint(2000))))
    assert decoded("v1", "Pod", field(2, message(groups)))["spec"]["securityContext"] == {
        "supplementalGroups": [1000, 2000]
    }


def test_unpacked_repeated_integers_are_read() -> None:
    groups = field(14, message(field(4, 1000), field(4, 2000)))
    assert decoded("v1", "Pod", field(2, message(groups)))["spec"]["securityContext"] == {
        "supplementalGroups": [1000, 2000]
    }


def test_a_message_sent_twice_is_merged() -> None:
    meta = field(1, message(field(1, "cm"))) + field(1, message(field(3, "ns")))
    assert decoded("v1", "ConfigMap", meta) == {"metadata": {"name": "cm", "namespace": "ns"}}


def test_wrong_wire_type_for_a_known_field_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="wrong wire type"):
        decoded("v1", "ConfigMap", field(1, 5))


def test_string_that_is_not_utf8_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        decoded("v1", "ConfigMap", field(1, message(field(1, b"\xff"))))


def test_truncated_body_is_a_bad_request() -> None:
    whole = body("v1", "ConfigMap", message(field(1, message(field(1, "cm")))))
    with pytest.raises(BadRequest):
        decode_object(whole[:-2])


def test_exports_match_the_public_names() -> None:
    assert sorted(protobuf.__all__) == ["MAGIC", "MEDIA_TYPE", "decode_object"]
    assert protobuf.MEDIA_TYPE == "application/vnd.kubernetes.protobuf"
