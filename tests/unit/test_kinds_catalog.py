import pytest

import jobyard.cluster.kinds as kinds
from jobyard.cluster.kinds import RESOURCE_TYPES, by_kind, find


def test_exported_names_match_all() -> None:
    exported = {name for name in dir(kinds) if not name.startswith("_")} - {"annotations"}
    assert set(kinds.__all__) <= exported
    assert sorted(kinds.__all__) == sorted(set(kinds.__all__))


@pytest.mark.parametrize(
    ("group", "plural", "kind", "short_names", "namespaced"),
    [
        pytest.param("", "namespaces", "Namespace", ("ns",), False, id="namespaces are cluster-scoped, short name ns"),
        pytest.param("", "pods", "Pod", ("po",), True, id="pods have short name po"),
        pytest.param("", "services", "Service", ("svc",), True, id="services have short name svc"),
        pytest.param("", "endpoints", "Endpoints", ("ep",), True, id="endpoints have short name ep"),
        pytest.param("", "events", "Event", ("ev",), True, id="events have short name ev"),
        pytest.param("", "configmaps", "ConfigMap", ("cm",), True, id="configmaps have short name cm"),
        pytest.param("", "secrets", "Secret", (), True, id="secrets have no short name"),
        pytest.param("", "serviceaccounts", "ServiceAccount", ("sa",), True, id="serviceaccounts have short name sa"),
        pytest.param("", "nodes", "Node", ("no",), False, id="nodes are cluster-scoped, short name no"),
        pytest.param("batch", "jobs", "Job", (), True, id="jobs have no short name"),
    ],
)
def test_discovery_facts(group: str, plural: str, kind: str, short_names: tuple[str, ...], namespaced: bool) -> None:
    rtype = find(group, "v1", plural)
    assert rtype is not None
    assert (rtype.kind, rtype.short_names, rtype.namespaced) == (kind, short_names, namespaced)
    assert by_kind(rtype.api_version, kind) is rtype


def test_all_category_holds_pods_services_and_jobs() -> None:
    assert {rtype.plural for rtype in RESOURCE_TYPES if "all" in rtype.categories} == {"pods", "services", "jobs"}


def test_unknown_kinds_are_not_found() -> None:
    assert find("apps", "v1", "deployments") is None
    assert by_kind("v1", "Job") is None


@pytest.mark.parametrize("rtype", RESOURCE_TYPES, ids=lambda rtype: f"{rtype.plural} rows have one cell per column")
def test_rows_fit_columns(rtype: kinds.ResourceType) -> None:
    assert rtype.row is not None
    assert rtype.columns[0].name in ("Name", "Last Seen")
    assert len(rtype.row({"metadata": {"name": "x"}}, 0)) == len(rtype.columns)
