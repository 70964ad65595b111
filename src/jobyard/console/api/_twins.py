"""The API's own reads (and creates), for the web pages that are their HTML twins.

A page calls the very function its JSON twin answers with, with the same caller, so the
two show the same data under the same permission check and cannot drift apart.
"""

from __future__ import annotations

from ._account import audit as read_audit
from ._account import grants as read_grants
from ._account import users as read_users
from ._clusters import clusters as read_clusters
from ._clusters import configmaps as read_configmaps
from ._clusters import namespaces as read_namespaces
from ._clusters import node_images as read_node_images
from ._clusters import secrets as read_secrets
from ._clusters import services as read_services
from ._jobs import create_from_form, create_from_yaml
from ._jobs import detail as read_job
from ._jobs import namespace_jobs as read_jobs
from ._live import job_detail_watches, job_list_watches
from ._live import stream as live_stream

__all__ = [
    "create_from_form",
    "create_from_yaml",
    "job_detail_watches",
    "job_list_watches",
    "live_stream",
    "read_audit",
    "read_clusters",
    "read_configmaps",
    "read_grants",
    "read_job",
    "read_jobs",
    "read_namespaces",
    "read_node_images",
    "read_secrets",
    "read_services",
    "read_users",
]
