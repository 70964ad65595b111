"""The field tables: complete, consistent, and right on the facts spot-checked here."""

import pytest

from jobyard.cluster.protobuf._fields import FIELDS, LENGTH_DELIMITED, VARINT, Field, parse_message
from jobyard.cluster.protobuf._messages import KINDS, MESSAGES


def test_every_referenced_message_is_defined() -> None:
    referenced = {f.type_name for fields in FIELDS.values() for f in fields.values() if f.is_message}
    assert referenced - FIELDS.keys() == set()


def test_every_kind_we_serve_has_a_root_message() -> None:
    assert set(KINDS.values()) <= MESSAGES.keys()
    served = "ConfigMap Endpoints Event Eviction Job Namespace Node Pod Secret Service ServiceAccount"
    assert {kind for _, kind in KINDS} == set(served.split())


def test_every_defined_message_is_reachable_from_a_kind() -> None:
    reachable, pending = set(), [*KINDS.values(), "DeleteOptions"]
    while pending:
        name = pending.pop()
        if name not in reachable:
            reachable.add(name)
            pending += [f.type_name for f in FIELDS[name].values() if f.is_message]
    assert MESSAGES.keys() - reachable == set()


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_json_names_are_unique_within_a_message(name: str) -> None:
    names = [f.json_name for f in FIELDS[name].values() if not f.inline]
    assert len(names) == len(set(names))


def test_only_messages_are_embedded_inline() -> None:
    assert all(f.is_message for fields in FIELDS.values() for f in fields.values() if f.inline)


def test_maps_and_messages_are_length_delimited_and_numbers_are_varints() -> None:
    for fields in FIELDS.values():
        for f in fields.values():
            expected = VARINT if f.type_name in ("bool", "int32", "int64") and not f.map else LENGTH_DELIMITED
            assert f.wire_type == expected, f


@pytest.mark.parametrize(
    ("message", "number", "expected"),
    [
        ("ObjectMeta", 17, Field("managedFields", LENGTH_DELIMITED, "ManagedFieldsEntry", repeated=True)),
        ("ObjectMeta", 10, Field("deletionGracePeriodSeconds", VARINT, "int64", pointer=True)),
        ("JobSpec", 7, Field("backoffLimit", VARINT, "int32", pointer=True)),
        ("JobSpec", 16, Field("successPolicy", LENGTH_DELIMITED, "SuccessPolicy")),
        ("PodSpec", 20, Field("initContainers", LENGTH_DELIMITED, "Container", repeated=True)),
        ("Container", 24, Field("restartPolicy", LENGTH_DELIMITED, "string", pointer=True)),
        ("Secret", 2, Field("data", LENGTH_DELIMITED, "bytes", map=True)),
        ("ServicePort", 4, Field("targetPort", LENGTH_DELIMITED, "IntOrString")),
        ("Event", 10, Field("eventTime", LENGTH_DELIMITED, "MicroTime")),
        ("Volume", 2, Field("...", LENGTH_DELIMITED, "VolumeSource", inline=True)),
        ("DeleteOptions", 6, Field("ignoreStoreReadErrorWithClusterBreakingPotential", VARINT, "bool", pointer=True)),
    ],
)
def test_spot_checked_field_facts(message: str, number: int, expected: Field) -> None:
    assert FIELDS[message][number] == expected


def test_field_specs_read_number_name_and_type() -> None:
    assert parse_message("3 labels {}string, 4 mode *int32") == {
        3: Field("labels", LENGTH_DELIMITED, "string", map=True),
        4: Field("mode", VARINT, "int32", pointer=True),
    }
