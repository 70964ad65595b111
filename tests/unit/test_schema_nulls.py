import pytest

from jobyard.cluster.schema import decode

POD = "io.k8s.api.core.v1.Pod"


@pytest.mark.parametrize(
    "obj, expected",
    [
        pytest.param({"metadata": {"labels": None}}, {"metadata": {}}, id="a null field is absent"),
        pytest.param(
            {"spec": {"containers": [None]}}, {"spec": {"containers": [{}]}}, id="a null object item is empty"
        ),
        pytest.param(
            {"spec": {"containers": [{"args": [None]}]}},
            {"spec": {"containers": [{"args": [""]}]}},
            id="a null string item is the empty string",
        ),
        pytest.param(
            {"metadata": {"labels": {"a": None}}}, {"metadata": {"labels": {"a": ""}}}, id="a null map value is zero"
        ),
    ],
)
def test_nulls_decode_as_go_reads_them(obj, expected):
    assert decode(obj, POD) == ([], [])
    assert obj == expected
