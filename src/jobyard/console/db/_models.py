"""The console's tables as SQLAlchemy ORM models.

Constraint names follow one naming convention so the migrations can refer to
them identically on SQLite and PostgreSQL. Roles and results are plain strings
guarded by CHECK constraints rather than database enum types, which PostgreSQL
would otherwise need separate migrations to extend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ._types import UTCDateTime

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Cluster",
    "JobRun",
    "Registry",
    "RoleBinding",
    "User",
    "WebSession",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Kubernetes object names (clusters, namespaces, Jobs) are DNS labels or subdomains.
NAME_LENGTH = 63
OBJECT_NAME_LENGTH = 253
SHA256_HEX_LENGTH = 64
# Kubernetes uids are UUIDs (36 characters); a condition's reason is a short CamelCase word.
UID_LENGTH = 64
REASON_LENGTH = 128


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed: Mapped[datetime] = mapped_column(UTCDateTime)

    bindings: Mapped[list[RoleBinding]] = relationship(back_populates="user", cascade="all, delete-orphan")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie holds the id, the table only its hash."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH))
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    expires: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    kubeconfig: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[str | None] = mapped_column(String(64))
    node_count: Mapped[int | None] = mapped_column(Integer)
    last_check: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleBinding(Base):
    __tablename__ = "role_bindings"
    __table_args__ = (
        CheckConstraint(
            "role IN ('cluster-admin', 'ns-admin', 'ns-editor', 'ns-viewer')",
            name="known_role",
        ),
        # A cluster role covers the whole cluster; a namespace role names its namespace.
        CheckConstraint(
            "(role = 'cluster-admin') = (namespace IS NULL)",
            name="scope_matches_role",
        ),
        Index(None, "cluster", "namespace"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    cluster: Mapped[str] = mapped_column(ForeignKey("clusters.name", ondelete="CASCADE"))
    namespace: Mapped[str | None] = mapped_column(String(NAME_LENGTH))

    user: Mapped[User] = relationship(back_populates="bindings")


class Registry(Base):
    __tablename__ = "registries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    username: Mapped[str | None] = mapped_column(String(255))
    password: Mapped[bytes | None] = mapped_column(LargeBinary)


class AuditEntry(Base):
    """One change, kept by user name so the record outlives the account."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint("result IN ('ok', 'denied', 'failed')", name="known_result"),
        Index(None, "cluster", "namespace"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    action: Mapped[str] = mapped_column(String(64))
    cluster: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    namespace: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    target: Mapped[str | None] = mapped_column(String(OBJECT_NAME_LENGTH))
    result: Mapped[str] = mapped_column(String(8))
    detail: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """One run of a Job, so a rerun (which replaces the Job object) keeps its history.

    ``job_uid`` ties the run to its Job object: one run per uid, so a read of an old Job can never
    be recorded as a newer run. ``recreate`` holds, as JSON, the manifest a rerun creates until the
    new Job exists, so a rerun cut short after the old Job was deleted can still be finished.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("cluster", "namespace", "job_name", "run_number"),
        UniqueConstraint("cluster", "job_uid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster: Mapped[str] = mapped_column(ForeignKey("clusters.name", ondelete="CASCADE"))
    namespace: Mapped[str] = mapped_column(String(NAME_LENGTH))
    job_name: Mapped[str] = mapped_column(String(OBJECT_NAME_LENGTH))
    run_number: Mapped[int] = mapped_column(Integer)
    started: Mapped[datetime] = mapped_column(UTCDateTime)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(32))
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    job_uid: Mapped[str | None] = mapped_column(String(UID_LENGTH))
    reason: Mapped[str | None] = mapped_column(String(REASON_LENGTH))
    recreate: Mapped[str | None] = mapped_column(Text)
