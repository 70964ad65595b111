"""The console's JSON API: FastAPI under ``/api``, its OpenAPI documents at ``/api/docs`` and ``/api/openapi.json``.

Routes are thin: they find the caller (a bearer API token, or the session cookie with its CSRF
token on changes), check the caller's role with the one permission check (a refusal is 403 and
an audit entry), call the console's services and shape their answers. Every error is
``{code, message, fields: [{path, code, message}]}`` in the caller's language
(``Accept-Language``). The job service reaches clusters through :class:`KubeClientApi`, the
cluster client seen as the job service's ``KubeApi``.
"""

from ._app import create_app
from ._context import CSRF_HEADER, SESSION_COOKIE
from ._errors import ErrorBody
from ._kube_api import KubeClientApi
from ._services import ConsoleServices
from ._texts import API_TEXTS, language_of

__all__ = [
    "API_TEXTS",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "ConsoleServices",
    "ErrorBody",
    "KubeClientApi",
    "create_app",
    "language_of",
]
