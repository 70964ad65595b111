"""Real kubectl (1.33 and 1.28) against the embedded cluster: each test is one thing kubectl users do."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from waiting import eventually

from .support import Api, Kubectl, configmap, job, job_with_dependent, path, pod, service

Obj = dict[str, Any]


# --- reading tables ------------------------------------------------------------


def header(table: str) -> list[str]:
    return re.split(r"\s{2,}", table.splitlines()[0].strip())


def row(table: str, name: str) -> list[str]:
    """The cells of the row whose NAME (or, with -A, second cell) is ``name``."""
    for line in table.splitlines()[1:]:
        cells = line.split()
        if name in cells[:2]:
            return cells
    raise AssertionError(f"no row for {name!r} in:\n{table}")


# --- the server as kubectl sees it ------------------------------------------


def test_version_reports_server_minor_within_supported_range(kubectl: Kubectl) -> None:
    server = json.loads(kubectl.out("version", "-o", "json"))["serverVersion"]

    assert server["major"] == "1"
    assert 28 <= int(server["minor"].rstrip("+")) <= 33


def test_api_resources_lists_kinds_with_short_names(kubectl: Kubectl) -> None:
    listing = kubectl.out("api-resources", "--no-headers")

    rows = {line.split()[0]: line.split() for line in listing.splitlines()}
    assert rows["pods"][:2] == ["pods", "po"]
    assert rows["configmaps"][:2] == ["configmaps", "cm"]
    assert rows["namespaces"][:2] == ["namespaces", "ns"]
    assert rows["jobs"][1:3] == ["batch/v1", "true"]  # upstream gives jobs no short name


def test_explain_describes_job_backoff_limit(kubectl: Kubectl) -> None:
    explained = kubectl.out("explain", "job.spec.backoffLimit")

    assert re.search(r"KIND:\s+Job", explained)
    assert re.search(r"FIELD:\s+backoffLimit\s+<integer>", explained)


def test_create_namespace(kubectl: Kubectl, api: Api, namespace: str) -> None:
    made = f"{namespace}-made"
    try:
        assert kubectl.out("create", "namespace", made).strip() == f"namespace/{made} created"
        assert api.get(f"/api/v1/namespaces/{made}")["status"]["phase"] == "Active"
    finally:
        api.request("DELETE", f"/api/v1/namespaces/{made}")


# --- get: tables and object output ------------------------------------------


def test_get_pods_table_has_upstream_columns(kubectl: Kubectl) -> None:
    kubectl.create(pod("web"))

    table = kubectl.out("get", "pods")

    assert header(table) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row(table, "web")[:4] == ["web", "0/1", "Pending", "0"]


def test_get_pods_wide_adds_ip_and_node_columns(kubectl: Kubectl) -> None:
    kubectl.create(pod("web"))

    table = kubectl.out("get", "pods", "-o", "wide")

    assert header(table) == [
        "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES",
    ]  # fmt: skip


def test_get_jobs_table_has_upstream_columns(kubectl: Kubectl) -> None:
    kubectl.create(job("nightly"))

    table = kubectl.out("get", "jobs")

    assert header(table) == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert "0/1" in row(table, "nightly")


def test_get_jobs_wide_adds_containers_images_selector(kubectl: Kubectl) -> None:
    kubectl.create(job("nightly"))

    table = kubectl.out("get", "jobs", "-o", "wide")

    assert header(table)[5:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert row(table, "nightly")[-3:-1] == ["main", "busybox"]
    assert row(table, "nightly")[-1].startswith("batch.kubernetes.io/controller-uid=")


def test_get_namespace_table_has_upstream_columns(kubectl: Kubectl, namespace: str) -> None:
    table = kubectl.out("get", "namespace", namespace)

    assert header(table) == ["NAME", "STATUS", "AGE"]
    assert row(table, namespace)[:2] == [namespace, "Active"]


def test_get_show_labels_adds_labels_column(kubectl: Kubectl) -> None:
    kubectl.create(configmap("settings", labels={"tier": "db", "app": "web"}))

    table = kubectl.out("get", "configmap", "settings", "--show-labels")

    assert header(table) == ["NAME", "DATA", "AGE", "LABELS"]
    assert row(table, "settings")[-1] == "app=web,tier=db"


def test_get_all_namespaces_adds_namespace_column(
    kubectl: Kubectl, api: Api, namespace: str, second_namespace: str
) -> None:
    for name in (namespace, second_namespace):
        api.post(path(name, "configmaps"), configmap("shared", labels={"suite": namespace}))

    table = kubectl.out("get", "configmaps", "-A", "-l", f"suite={namespace}")

    assert header(table) == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert sorted(line.split()[0] for line in table.splitlines()[1:]) == sorted([namespace, second_namespace])


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_get_output_is_the_stored_object(kubectl: Kubectl, api: Api, namespace: str, output: str) -> None:
    stored = api.post(path(namespace, "configmaps"), configmap("settings", {"mode": "fast"}, {"app": "web"}))
    del stored["metadata"]["managedFields"]  # kubectl hides them unless --show-managed-fields

    printed = yaml.safe_load(kubectl.out("get", "configmap", "settings", "-o", output))

    assert printed == stored


# --- create -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "plural", "printed"),
    [
        pytest.param(job("nightly"), "jobs", "job.batch/nightly created", id="job"),
        pytest.param(
            configmap("settings", {"mode": "fast"}), "configmaps", "configmap/settings created", id="configmap"
        ),
    ],
)
def test_create_from_manifest_stores_the_object(
    kubectl: Kubectl, api: Api, namespace: str, obj: Obj, plural: str, printed: str
) -> None:
    assert kubectl.create(obj).stdout.strip() == printed
    assert api.exists(path(namespace, plural, obj["metadata"]["name"]))


def test_create_rejects_unknown_field_with_strict_decoding_error(kubectl: Kubectl, api: Api, namespace: str) -> None:
    bad = {**configmap("settings"), "spec": {"mode": "fast"}}

    result = kubectl.create(bad, check=False)

    assert result.returncode != 0
    assert "Error from server (BadRequest)" in result.stderr
    assert 'strict decoding error: unknown field "spec"' in result.stderr
    assert not api.exists(path(namespace, "configmaps", "settings"))


def test_create_job_from_image(kubectl: Kubectl, api: Api, namespace: str) -> None:
    assert kubectl.out("create", "job", "once", "--image=busybox").strip() == "job.batch/once created"

    containers = api.get(path(namespace, "jobs", "once"))["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("once", "busybox")]


def test_create_configmap_from_literal(kubectl: Kubectl, api: Api, namespace: str) -> None:
    created = kubectl.out("create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=size=2")

    assert created.strip() == "configmap/settings created"
    assert api.get(path(namespace, "configmaps", "settings"))["data"] == {"mode": "fast", "size": "2"}


# --- apply --------------------------------------------------------------------


def test_apply_twice_merges_three_ways(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.apply(configmap("settings", {"mode": "fast", "color": "red"}, {"tier": "one"}))
    kubectl.run("label", "configmap", "settings", "owner=ops")  # not in the manifest: apply must keep it

    kubectl.apply(configmap("settings", {"mode": "slow"}, {"tier": "two"}))

    applied = api.get(path(namespace, "configmaps", "settings"))
    assert applied["data"] == {"mode": "slow"}
    assert applied["metadata"]["labels"] == {"tier": "two", "owner": "ops"}


def test_apply_drops_list_entry_removed_from_manifest_by_merge_key(kubectl: Kubectl, api: Api, namespace: str) -> None:
    ports = [{"name": "http", "port": 80}, {"name": "https", "port": 443}]
    kubectl.apply(service("web", ports))

    kubectl.apply(service("web", [{"name": "http", "port": 80, "targetPort": 8080}]))

    applied = api.get(path(namespace, "services", "web"))["spec"]["ports"]
    assert [(p["port"], p["targetPort"]) for p in applied] == [(80, 8080)]


def test_apply_server_side_creates_with_kubectl_as_manager(kubectl: Kubectl, api: Api, namespace: str) -> None:
    applied = kubectl.apply(configmap("settings", {"mode": "fast"}), "--server-side").stdout

    assert applied.strip() == "configmap/settings serverside-applied"
    managers = api.get(path(namespace, "configmaps", "settings"))["metadata"]["managedFields"]
    assert [(m["manager"], m["operation"]) for m in managers] == [("kubectl", "Apply")]


def test_apply_server_side_again_removes_fields_no_longer_applied(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.apply(configmap("settings", {"mode": "fast", "color": "red"}), "--server-side")

    kubectl.apply(configmap("settings", {"mode": "slow"}), "--server-side")

    assert api.get(path(namespace, "configmaps", "settings"))["data"] == {"mode": "slow"}


def test_apply_server_side_conflicts_with_another_manager(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.apply(configmap("settings", {"mode": "fast"}), "--server-side", "--field-manager=alpha")

    result = kubectl.apply(
        configmap("settings", {"mode": "slow"}), "--server-side", "--field-manager=beta", check=False
    )

    assert result.returncode != 0
    assert re.search(r'Apply failed with 1 conflict: conflict with "alpha".*: \.data\.mode', result.stderr)
    assert api.get(path(namespace, "configmaps", "settings"))["data"] == {"mode": "fast"}


def test_apply_server_side_force_conflicts_takes_ownership(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.apply(configmap("settings", {"mode": "fast"}), "--server-side", "--field-manager=alpha")

    kubectl.apply(configmap("settings", {"mode": "slow"}), "--server-side", "--field-manager=beta", "--force-conflicts")

    applied = api.get(path(namespace, "configmaps", "settings"))
    assert applied["data"] == {"mode": "slow"}
    owners = {m["manager"]: m["fieldsV1"] for m in applied["metadata"]["managedFields"]}
    assert owners["beta"] == {"f:data": {"f:mode": {}}}
    assert "alpha" not in owners  # a manager left owning nothing is dropped


# --- patch ----------------------------------------------------------------------


def test_patch_merge_sets_job_parallelism(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.create(job("nightly", parallelism=1))

    kubectl.run("patch", "job", "nightly", "--type=merge", "-p", '{"spec":{"parallelism":3}}')

    assert api.get(path(namespace, "jobs", "nightly"))["spec"]["parallelism"] == 3


def test_patch_json_applies_operations_in_order(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.create(job("nightly"))
    operations = [
        {"op": "replace", "path": "/spec/suspend", "value": False},
        {"op": "add", "path": "/metadata/labels/stage", "value": "one"},
        {"op": "replace", "path": "/metadata/labels/stage", "value": "two"},
    ]

    kubectl.run("patch", "job", "nightly", "--type=json", "-p", json.dumps(operations))

    patched = api.get(path(namespace, "jobs", "nightly"))
    assert patched["spec"]["suspend"] is False
    assert patched["metadata"]["labels"]["stage"] == "two"


def test_patch_strategic_merges_service_ports_by_port(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.create(service("web", [{"name": "http", "port": 80}]))

    kubectl.run("patch", "service", "web", "--type=strategic", "-p", '{"spec":{"ports":[{"name":"https","port":443}]}}')

    # Upstream puts entries new to the list first, then the untouched ones.
    assert [p["port"] for p in api.get(path(namespace, "services", "web"))["spec"]["ports"]] == [443, 80]


def test_patch_strategic_delete_directive_removes_port(kubectl: Kubectl, api: Api, namespace: str) -> None:
    ports = [{"name": "http", "port": 80}, {"name": "https", "port": 443}]
    kubectl.create(service("web", ports))

    kubectl.run("patch", "service", "web", "-p", '{"spec":{"ports":[{"port":80,"$patch":"delete"}]}}')

    assert [p["port"] for p in api.get(path(namespace, "services", "web"))["spec"]["ports"]] == [443]


def test_patch_merge_replaces_service_ports_whole(kubectl: Kubectl, api: Api, namespace: str) -> None:
    kubectl.create(service("web", [{"name": "http", "port": 80}]))

    kubectl.run("patch", "service", "web", "--type=merge", "-p", '{"spec":{"ports":[{"name":"https","port":443}]}}')

    assert [p["port"] for p in api.get(path(namespace, "services", "web"))["spec"]["ports"]] == [443]


# --- label and annotate -----------------------------------------------------------


def test_label_adds_a_label(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings"))

    assert kubectl.out("label", "configmap", "settings", "tier=db").strip() == "configmap/settings labeled"

    assert api.get(path(namespace, "configmaps", "settings"))["metadata"]["labels"] == {"tier": "db"}


def test_label_refuses_to_change_a_value_without_overwrite(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings", labels={"tier": "db"}))

    result = kubectl.run("label", "configmap", "settings", "tier=web", check=False)

    assert result.returncode != 0
    assert "'tier' already has a value (db), and --overwrite is false" in result.stderr
    assert api.get(path(namespace, "configmaps", "settings"))["metadata"]["labels"] == {"tier": "db"}


def test_label_overwrite_changes_a_value(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings", labels={"tier": "db"}))

    kubectl.run("label", "--overwrite", "configmap", "settings", "tier=web")

    assert api.get(path(namespace, "configmaps", "settings"))["metadata"]["labels"] == {"tier": "web"}


def test_label_with_trailing_dash_removes_it(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings", labels={"tier": "db", "app": "web"}))

    kubectl.run("label", "configmap", "settings", "tier-")

    assert api.get(path(namespace, "configmaps", "settings"))["metadata"]["labels"] == {"app": "web"}


def test_annotate_adds_an_annotation(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings"))

    assert kubectl.out("annotate", "configmap", "settings", "note=hello").strip() == "configmap/settings annotated"

    assert api.get(path(namespace, "configmaps", "settings"))["metadata"]["annotations"] == {"note": "hello"}


# --- delete with cascade ------------------------------------------------------------


def test_delete_cascade_background_deletes_dependents_after_owner(kubectl: Kubectl, api: Api, namespace: str) -> None:
    job_with_dependent(api, namespace)

    assert kubectl.out("delete", "job", "nightly", "--cascade=background").strip() == 'job.batch "nightly" deleted'

    assert not api.exists(path(namespace, "jobs", "nightly"))

    def dependent_gone() -> None:
        assert not api.exists(path(namespace, "configmaps", "nightly-data"))

    eventually(dependent_gone)


def test_delete_cascade_foreground_deletes_blocking_dependents_first(
    kubectl: Kubectl, api: Api, namespace: str
) -> None:
    job_with_dependent(api, namespace)

    kubectl.run("delete", "job", "nightly", "--cascade=foreground")  # returns once the job is gone

    assert not api.exists(path(namespace, "jobs", "nightly"))
    assert not api.exists(path(namespace, "configmaps", "nightly-data"))


def test_delete_cascade_orphan_keeps_dependents_without_owner(kubectl: Kubectl, api: Api, namespace: str) -> None:
    job_with_dependent(api, namespace)

    kubectl.run("delete", "job", "nightly", "--cascade=orphan")  # returns once the job is gone

    assert not api.exists(path(namespace, "jobs", "nightly"))
    assert "ownerReferences" not in api.get(path(namespace, "configmaps", "nightly-data"))["metadata"]


# --- watch and wait -------------------------------------------------------------------


def test_get_watch_prints_events_as_they_happen(kubectl: Kubectl, api: Api, namespace: str) -> None:
    watch = kubectl.start("get", "configmaps", "--watch", "--output-watch-events", "-l", "app=web")
    api.post(path(namespace, "configmaps"), configmap("settings", {"mode": "fast"}, {"app": "web"}))
    assert header(watch.read_line()) == ["EVENT", "NAME", "DATA", "AGE"]
    assert watch.read_line().split()[:3] == ["ADDED", "settings", "1"]

    api.merge_patch(path(namespace, "configmaps", "settings"), {"data": {"mode": "slow", "size": "2"}})

    assert watch.read_line().split()[:3] == ["MODIFIED", "settings", "2"]


def test_wait_for_jsonpath_returns_once_value_matches(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings", {"x": "n"}))
    waiting = kubectl.start("wait", "configmap/settings", "--for=jsonpath={.data.x}=y", "--timeout=20s")

    api.merge_patch(path(namespace, "configmaps", "settings"), {"data": {"x": "y"}})

    assert waiting.wait() == 0
    assert waiting.read_line() == "configmap/settings condition met"


def test_wait_for_delete_returns_once_object_is_gone(kubectl: Kubectl, api: Api, namespace: str) -> None:
    api.post(path(namespace, "configmaps"), configmap("settings"))
    waiting = kubectl.start("wait", "configmap/settings", "--for=delete", "--timeout=20s")

    api.delete(path(namespace, "configmaps", "settings"))

    assert waiting.wait() == 0
