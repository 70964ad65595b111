import pytest

from jobyard.cluster.kinds._names import config_map_key, env_var_name, port_name, qualified_name


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        pytest.param("http", [], id="a lowercase word is a port name"),
        pytest.param("a" * 16, ["must be no more than 15 characters"], id="port names are at most 15 characters"),
        pytest.param("80", ["must contain at least one letter (a-z)"], id="port names contain a letter"),
        pytest.param("a--b", ["must not contain consecutive hyphens"], id="port names have no double hyphen"),
        pytest.param("-ab", ["must not begin or end with a hyphen"], id="port names do not start with a hyphen"),
        pytest.param(
            "HTTP",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
            id="port names are lowercase",
        ),
    ],
)
def test_port_name(value: str, messages: list[str]) -> None:
    assert port_name(value) == messages


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("example.com/name", True, id="a prefixed name is qualified"),
        pytest.param("Name_1.x", True, id="names may mix case, digits, dot and underscore"),
        pytest.param("", False, id="the empty name is not qualified"),
        pytest.param("Example.com/x", False, id="the prefix is a lowercase subdomain"),
    ],
)
def test_qualified_name(value: str, valid: bool) -> None:
    assert (qualified_name(value) == []) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("MY_VAR", True, id="classic names are valid"),
        pytest.param("1st.var-x", True, id="relaxed names may start with a digit"),
        pytest.param("A=B", False, id="names may not contain an equals sign"),
        pytest.param("é", False, id="names are printable ASCII"),
    ],
)
def test_env_var_name(value: str, valid: bool) -> None:
    assert (env_var_name(value) == []) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("app.conf", True, id="file-like keys are valid"),
        pytest.param("..data", False, id="keys may not start with two dots"),
        pytest.param("a/b", False, id="keys have no slash"),
    ],
)
def test_config_map_key(value: str, valid: bool) -> None:
    assert (config_map_key(value) == []) is valid
