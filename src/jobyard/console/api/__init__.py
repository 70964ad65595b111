"""The console's JSON API: FastAPI under ``/api``, its OpenAPI documents at ``/api/docs`` and ``/api/openapi.json``.

Routes are thin: they find the caller (a bearer API token, or the session cookie with its CSRF
token on changes), check the caller's role with the one permission check (a refusal is 403 and
an audit entry), call the console's services and shape their answers. Every error is
``{code, message, fields: [{path, code, message}]}`` in the caller's language
(``Accept-Language``). The job service reaches clusters through :class:`KubeClientApi`, the
cluster client seen as the job service's ``KubeApi``. The ``read_*`` functions are the routes'
own reads, for the web pages that are their HTML twins (``jobyard.console.web``).
"""

from ._app import create_app
from ._context import CSRF_HEADER, SESSION_COOKIE, Caller, forget_session_cookie, services_of, set_session_cookie
from ._errors import ApiError, ErrorBody, job_action_refusal
from ._kube_api import KubeClientApi
from ._resource_schemas import EndpointOut, NodeImageOut, ServiceOut, ServicePortOut
from ._schemas import (
    ClusterOut,
    ConfigMapOut,
    GrantOut,
    JobDetailOut,
    JobListOut,
    JobSummaryOut,
    JobYamlIn,
    SecretOut,
    detail_out,
)
from ._services import ConsoleServices
from ._texts import API_TEXTS, language_of
from ._twins import (
    create_from_form,
    create_from_yaml,
    job_detail_watches,
    job_list_watches,
    live_stream,
    read_audit,
    read_clusters,
    read_configmaps,
    read_grants,
    read_job,
    read_jobs,
    read_namespaces,
    read_node_images,
    read_secrets,
    read_services,
    read_users,
)

__all__ = [
    "API_TEXTS",
    "ApiError",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Caller",
    "ClusterOut",
    "ConfigMapOut",
    "EndpointOut",
    "GrantOut",
    "ConsoleServices",
    "ErrorBody",
    "JobDetailOut",
    "JobListOut",
    "JobSummaryOut",
    "JobYamlIn",
    "KubeClientApi",
    "NodeImageOut",
    "SecretOut",
    "ServiceOut",
    "ServicePortOut",
    "create_app",
    "create_from_form",
    "create_from_yaml",
    "detail_out",
    "forget_session_cookie",
    "job_action_refusal",
    "job_detail_watches",
    "job_list_watches",
    "language_of",
    "live_stream",
    "read_audit",
    "services_of",
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
    "set_session_cookie",
]
