"""The console's database: SQLAlchemy models, the engine, migrations and secrets at rest.

SQLite in the data dir by default, PostgreSQL when ``--database-url`` names one.
The schema is created and upgraded only by the Alembic migrations shipped in
``migrations/``; :func:`migrate` runs them.
"""

from ._encryption import KEY_FILE, SecretBox, WrongKey
from ._engine import DATABASE_FILE, create_engine, default_url
from ._migrate import migrate
from ._models import ApiToken, AuditEntry, Base, Cluster, JobRun, Registry, RoleBinding, User, WebSession
from ._types import UTCDateTime

__all__ = [
    "DATABASE_FILE",
    "KEY_FILE",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Cluster",
    "JobRun",
    "Registry",
    "RoleBinding",
    "SecretBox",
    "UTCDateTime",
    "User",
    "WebSession",
    "WrongKey",
    "create_engine",
    "default_url",
    "migrate",
]
