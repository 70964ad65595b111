"""``jobyard cluster join|list|remove`` and ``jobyard ns create|list|delete``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from jobyard.cli import messages
from jobyard.cli.client import ServerUrl, connected
from jobyard.cli.output import Output, OutputFormat, show, table
from jobyard.cli.pairs import Labels, pairs

__all__ = ["Cluster", "cluster_app", "ns_app"]

cluster_app = typer.Typer(help=messages.CLUSTER_APP_HELP, no_args_is_help=True)
ns_app = typer.Typer(help=messages.NS_APP_HELP, no_args_is_help=True)

Cluster = Annotated[str, typer.Option("--cluster", "-c", help=messages.CLUSTER_HELP)]
ClusterName = Annotated[str, typer.Argument(help=messages.CLUSTER_NAME_HELP, show_default=False)]
NamespaceName = Annotated[str, typer.Argument(help=messages.NAMESPACE_NAME_HELP, show_default=False)]


def _cluster_rows(clusters: list[dict[str, Any]]) -> object:
    return table(
        messages.CLUSTER_COLUMNS,
        [
            (cluster["name"], cluster["statusLabel"], cluster["version"], cluster["nodeCount"], cluster["problem"])
            for cluster in clusters
        ],
    )


@cluster_app.command("join", help=messages.CLUSTER_JOIN_HELP)
def join(
    name: ClusterName,
    kubeconfig: Annotated[
        Path, typer.Option("--kubeconfig", exists=True, dir_okay=False, help=messages.KUBECONFIG_HELP)
    ],
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    with connected(url) as client:
        joined = client.post("/clusters", {"name": name, "kubeconfig": kubeconfig.read_text()})
    show(joined, output, lambda cluster: _cluster_rows([cluster]))


@cluster_app.command("list", help=messages.CLUSTER_LIST_HELP)
def list_clusters(output: Output = OutputFormat.TABLE, url: ServerUrl = None) -> None:
    with connected(url) as client:
        clusters = client.get("/clusters")
    show(clusters, output, _cluster_rows)


@cluster_app.command("remove", help=messages.CLUSTER_REMOVE_HELP)
def remove(name: ClusterName, url: ServerUrl = None) -> None:
    with connected(url) as client:
        client.delete(f"/clusters/{name}")
    Console().print(messages.cluster_removed(name), soft_wrap=True)


def _namespace_rows(namespaces: list[dict[str, Any]]) -> object:
    return table(
        messages.NAMESPACE_COLUMNS,
        [(namespace["name"], namespace["phase"], namespace["created"]) for namespace in namespaces],
    )


@ns_app.command("create", help=messages.NS_CREATE_HELP)
def create_namespace(
    name: NamespaceName,
    cluster: Cluster,
    label: Labels = None,
    output: Output = OutputFormat.TABLE,
    url: ServerUrl = None,
) -> None:
    labels = pairs(label, "--label")
    with connected(url) as client:
        created = client.post(f"/clusters/{cluster}/namespaces", {"name": name, "labels": labels})
    show(created, output, lambda namespace: _namespace_rows([namespace]))


@ns_app.command("list", help=messages.NS_LIST_HELP)
def list_namespaces(cluster: Cluster, output: Output = OutputFormat.TABLE, url: ServerUrl = None) -> None:
    with connected(url) as client:
        namespaces = client.get(f"/clusters/{cluster}/namespaces")
    show(namespaces, output, _namespace_rows)


@ns_app.command("delete", help=messages.NS_DELETE_HELP)
def delete_namespace(name: NamespaceName, cluster: Cluster, url: ServerUrl = None) -> None:
    with connected(url) as client:
        client.delete(f"/clusters/{cluster}/namespaces/{name}")
    Console().print(messages.namespace_deleted(name, cluster), soft_wrap=True)
