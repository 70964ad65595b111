"""The permission check agrees with docs/permissions.md for every action, every role and every place.

The table in the docs is parsed here, so the documented matrix and the code
cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jobyard.console.auth import Action, Binding, Principal, Role, Scope, allowed, capabilities

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
ROLE_COLUMNS = {
    "Cluster Admin": Role.CLUSTER_ADMIN,
    "NS Admin": Role.NS_ADMIN,
    "NS Editor": Role.NS_EDITOR,
    "NS Viewer": Role.NS_VIEWER,
}
MARKS = {"✓": True, "✗": False}

HOME_CLUSTER, HOME_NAMESPACE = "prod", "team-a"
OTHER_CLUSTER, OTHER_NAMESPACE = "staging", "team-b"


def documented_matrix() -> dict[str, dict[str, str]]:
    """The matrix table's rows, keyed by action, each a {column: cell} dict."""
    lines = iter(DOC.read_text().splitlines())
    for line in lines:
        if line.startswith("| Action | Scope |"):
            header = [cell.strip() for cell in line.strip("|").split("|")]
            break
    else:
        raise AssertionError(f"no matrix table in {DOC}")
    next(lines)  # the |---| separator
    rows = {}
    for line in lines:
        if not line.startswith("|"):
            break
        cells = dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        rows[cells["Action"].strip("`")] = cells
    return rows


MATRIX = documented_matrix()


def home_binding(role: Role) -> Binding:
    namespace = None if role is Role.CLUSTER_ADMIN else HOME_NAMESPACE
    return Binding(role, HOME_CLUSTER, namespace)


def holder_of(role: Role) -> Principal:
    return Principal.of(False, [home_binding(role)])


def test_the_docs_list_every_action_once():
    assert sorted(MATRIX) == sorted(action.value for action in Action)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_documented_scope_is_the_actions_scope(action):
    assert MATRIX[action]["Scope"] == action.scope


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_the_admin_may_take_every_action_anywhere(action):
    assert MATRIX[action]["Admin"] == "✓"
    admin = Principal(is_admin=True)
    assert allowed(admin, action, OTHER_CLUSTER, OTHER_NAMESPACE)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_a_user_without_roles_may_take_no_action(action):
    assert not allowed(Principal(), action, HOME_CLUSTER, HOME_NAMESPACE)


@pytest.mark.parametrize("column", list(ROLE_COLUMNS))
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_a_role_at_its_own_place_gets_what_the_docs_say(action, column):
    expected = MARKS[MATRIX[action][column]]
    assert allowed(holder_of(ROLE_COLUMNS[column]), action, HOME_CLUSTER, HOME_NAMESPACE) is expected


@pytest.mark.parametrize("column", list(ROLE_COLUMNS))
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_in_another_namespace_only_a_cluster_admin_keeps_namespace_rights(action, column):
    role = ROLE_COLUMNS[column]
    documented = MARKS[MATRIX[action][column]]
    keeps = action.scope is not Scope.NAMESPACE or role is Role.CLUSTER_ADMIN
    assert allowed(holder_of(role), action, HOME_CLUSTER, OTHER_NAMESPACE) is (documented and keeps)


@pytest.mark.parametrize("column", list(ROLE_COLUMNS))
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_in_another_cluster_only_platform_rights_remain(action, column):
    documented = MARKS[MATRIX[action][column]]
    keeps = action.scope is Scope.PLATFORM
    assert allowed(holder_of(ROLE_COLUMNS[column]), action, OTHER_CLUSTER, HOME_NAMESPACE) is (documented and keeps)


@pytest.mark.parametrize("role", list(Role))
def test_capabilities_are_exactly_the_allowed_actions(role):
    principal = holder_of(role)
    for cluster, namespace in [
        (None, None),
        (HOME_CLUSTER, None),
        (HOME_CLUSTER, HOME_NAMESPACE),
        (HOME_CLUSTER, OTHER_NAMESPACE),
        (OTHER_CLUSTER, HOME_NAMESPACE),
    ]:
        reachable = (
            {Scope.PLATFORM} | ({Scope.CLUSTER} if cluster else set()) | ({Scope.NAMESPACE} if namespace else set())
        )
        expected = {
            action for action in Action if action.scope in reachable and allowed(principal, action, cluster, namespace)
        }
        assert capabilities(principal, cluster, namespace) == expected, (cluster, namespace)


def test_roles_held_in_several_places_add_up():
    principal = Principal.of(
        False,
        [Binding(Role.NS_VIEWER, HOME_CLUSTER, HOME_NAMESPACE), Binding(Role.NS_EDITOR, HOME_CLUSTER, OTHER_NAMESPACE)],
    )
    assert not allowed(principal, Action.JOB_CREATE, HOME_CLUSTER, HOME_NAMESPACE)
    assert allowed(principal, Action.JOB_CREATE, HOME_CLUSTER, OTHER_NAMESPACE)
    assert allowed(principal, Action.REGISTRY_LIST)


def test_a_namespace_action_without_a_namespace_is_a_programming_error():
    with pytest.raises(ValueError, match="needs a namespace"):
        allowed(Principal(is_admin=True), Action.JOB_CREATE, HOME_CLUSTER)


def test_a_cluster_action_without_a_cluster_is_a_programming_error():
    with pytest.raises(ValueError, match="needs a cluster"):
        allowed(Principal(is_admin=True), Action.NAMESPACE_CREATE)


def test_capabilities_need_the_cluster_of_a_namespace():
    with pytest.raises(ValueError, match="without its cluster"):
        capabilities(Principal(), None, HOME_NAMESPACE)


@pytest.mark.parametrize(
    "binding",
    [
        lambda: Binding(Role.CLUSTER_ADMIN, HOME_CLUSTER, HOME_NAMESPACE),
        lambda: Binding(Role.NS_EDITOR, HOME_CLUSTER),
    ],
    ids=["cluster role on a namespace", "namespace role on a cluster"],
)
def test_a_binding_matches_its_roles_scope(binding):
    with pytest.raises(ValueError, match="is granted on"):
        binding()
