"""Messages about clusters: one English text per code, Chinese from the ``clusters`` gettext catalog.

As in :mod:`jobyard.console.forms`, the English text is the msgid and Chinese comes from
``console/i18n/zh_CN/LC_MESSAGES/clusters.po``, read at run time with Babel; texts are
``str.format`` templates.
"""

from __future__ import annotations

from typing import Any

from jobyard.console.i18n import Catalog, Language

__all__ = ["CLUSTER_MESSAGES", "cluster_message"]

CLUSTER_MESSAGES: dict[str, str] = {
    "kubeconfigInvalid": "This is not a usable kubeconfig: {detail}",
    "kubeconfigNotSelfContained": "The kubeconfig's '{field}' points outside it, which the console cannot follow: paste a kubeconfig with the certificates and the token or client key embedded.",
    "unreachable": "Cannot reach the cluster at {server}: {detail}",
    "timeout": "The cluster at {server} did not answer in time.",
    "certificateExpired": "The certificate of {server} has expired or is not valid yet: {detail}",
    "certificateUntrusted": "The certificate of {server} is not signed by the kubeconfig's certificate authority: {detail}",
    "certificateHostMismatch": "The certificate of {server} is not issued for that address: {detail}",
    "unauthorized": "The cluster at {server} refused the kubeconfig's credentials: the token or client certificate is wrong or expired.",
    "notKubernetes": "{server} does not answer like a Kubernetes API server: {detail}",
    "forbidden": "The kubeconfig's user may not {verb} {resource}: the console needs cluster-wide rights, such as the cluster-admin role.",
    "clusterError": "The cluster at {server} answered with an error: {detail}",
    "clusterNameInvalid": "Cluster names have 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    "clusterNameTaken": "A cluster named {name} is already joined.",
    "statusJoining": "Joining",
    "statusRunning": "Running",
    "statusUnreachable": "Unreachable",
}


_CLUSTERS = Catalog("clusters", CLUSTER_MESSAGES)


def cluster_message(code: str, lang: Language, **params: Any) -> str:
    return _CLUSTERS.message(code, lang, **params)
