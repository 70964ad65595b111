"""The API's request and response bodies: camelCase on the wire, as the form model is."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from jobyard.console.auth import Role
from jobyard.console.db import User
from jobyard.console.forms import DESCRIPTION_ANNOTATION, Language
from jobyard.console.jobs import JobDetail, JobSummary, Run, StatusCode, status_label, status_tooltip

__all__ = [
    "AuditOut",
    "BindingOut",
    "ClusterJoinIn",
    "ClusterOut",
    "ClusterValidation",
    "ConfigMapIn",
    "ConfigMapOut",
    "GrantIn",
    "GrantOut",
    "JobDetailOut",
    "JobListOut",
    "JobSummaryOut",
    "JobYamlIn",
    "ManifestsOut",
    "MeOut",
    "NamespaceIn",
    "NamespaceOut",
    "NewTokenOut",
    "PasswordIn",
    "PlaceOut",
    "PullSecretIn",
    "RegistryIn",
    "RegistryOut",
    "RunOut",
    "SecretIn",
    "SecretOut",
    "SessionOut",
    "SignInIn",
    "TokenIn",
    "TokenOut",
    "Unreachable",
    "UserIn",
    "UserOut",
    "detail_out",
    "summary_out",
    "user_out",
]


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class SignInIn(Wire):
    name: str
    password: str


class BindingOut(Wire):
    role: Role
    cluster: str
    namespace: str | None = None


class UserOut(Wire):
    name: str
    is_admin: bool
    disabled: bool
    created: datetime
    bindings: list[BindingOut]


class SessionOut(Wire):
    user: UserOut
    csrf_token: str
    expires: datetime


class PlaceOut(Wire):
    """The actions the caller may take at one place, for the UI to show or hide."""

    cluster: str | None = None
    namespace: str | None = None
    actions: list[str]


class MeOut(Wire):
    user: UserOut
    # Present when signed in by cookie: the header value every change must carry.
    csrf_token: str | None = None
    places: list[PlaceOut]


class PasswordIn(Wire):
    current: str
    new: str


class UserIn(Wire):
    name: str
    password: str
    is_admin: bool = False


class TokenIn(Wire):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Wire):
    id: int
    name: str
    prefix: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


class NewTokenOut(Wire):
    """``token`` is shown this once; only its prefix is kept readable."""

    token: str
    record: TokenOut


class GrantOut(BindingOut):
    user: str


class GrantIn(Wire):
    user: str
    role: Role
    cluster: str
    namespace: str | None = None


class AuditOut(Wire):
    id: int
    at: datetime
    user: str
    action: str
    result: str
    cluster: str | None
    namespace: str | None
    target: str | None
    detail: str | None


class ClusterJoinIn(Wire):
    name: str
    kubeconfig: str


class ClusterValidation(Wire):
    ok: bool
    code: str | None
    message: str
    version: str | None
    node_count: int | None


class ClusterOut(Wire):
    name: str
    status: str
    status_label: str
    version: str | None
    node_count: int | None
    last_check: datetime | None
    created: datetime
    problem: str | None


class NamespaceIn(Wire):
    name: str
    labels: dict[str, str] = Field(default_factory=dict)


class NamespaceOut(Wire):
    name: str
    labels: dict[str, str]
    phase: str
    created: str


class ConfigMapIn(Wire):
    name: str
    data: dict[str, str] = Field(default_factory=dict)


class ConfigMapOut(Wire):
    name: str
    namespace: str
    keys: list[str]
    created: str


class SecretIn(Wire):
    name: str
    data: dict[str, str] = Field(default_factory=dict)


class SecretOut(Wire):
    """Name, type and keys: a Secret's values never leave the cluster through the console."""

    name: str
    namespace: str
    type: str
    keys: list[str]
    created: str


class RegistryIn(Wire):
    name: str
    url: str
    username: str | None = None
    password: str | None = None


class RegistryOut(Wire):
    name: str
    url: str
    username: str | None
    has_password: bool
    server: str


class PullSecretIn(Wire):
    cluster: str
    namespace: str
    secret_name: str


class StatusOut(Wire):
    code: str
    label: str
    reason: str | None
    message: str | None
    tooltip: str | None


class CompletionsOut(Wire):
    succeeded: int
    wanted: int | None
    parallelism: int
    text: str


class JobSummaryOut(Wire):
    cluster: str
    name: str
    namespace: str
    status: StatusOut
    completions: CompletionsOut
    created: datetime | None
    started: datetime | None
    finished: datetime | None
    duration_seconds: float | None
    # The Job's own labels and the wizard's description, as the list shows them.
    labels: dict[str, str] = Field(default_factory=dict)
    description: str | None = None


class Unreachable(Wire):
    """A cluster (or one namespace of it) whose Jobs could not be listed, and why."""

    cluster: str
    namespace: str | None = None
    code: str
    message: str


class JobListOut(Wire):
    items: list[JobSummaryOut]
    unreachable: list[Unreachable] = Field(default_factory=list)


class PodOut(Wire):
    name: str
    phase: str
    index: int | None
    restarts: int
    exit_code: int | None
    ready: bool
    node: str | None
    started: datetime | None
    finished: datetime | None
    reason: str | None
    message: str | None


class ConditionOut(Wire):
    type: str
    status: str
    reason: str | None
    message: str | None
    last_transition: datetime | None


class EventOut(Wire):
    type: str
    reason: str
    message: str
    object_kind: str
    object_name: str
    count: int
    last_seen: datetime | None


class RunOut(Wire):
    number: int
    started: datetime
    finished: datetime | None
    result: str | None
    # The result as the status column words it, in the caller's language; None while the run runs.
    result_label: str | None = None
    # Why a failed run failed, as the Job's Failed condition says (BackoffLimitExceeded, …).
    reason: str | None = None
    succeeded: int
    failed: int


class JobDetailOut(Wire):
    summary: JobSummaryOut
    pods: list[PodOut]
    conditions: list[ConditionOut]
    events: list[EventOut]
    runs: list[RunOut]
    job: dict[str, Any]
    service: dict[str, Any] | None
    endpoints: dict[str, Any] | None  # the Service's Endpoints object: the pods behind it


class JobYamlIn(Wire):
    """One batch/v1 Job and at most one v1 Service, as YAML documents separated by ``---``."""

    yaml: str


class ManifestsOut(Wire):
    """What was created, or with ``dryRun`` what the cluster would create (defaulted, not stored)."""

    dry_run: bool
    manifests: list[dict[str, Any]]


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user)


def _seconds(span: timedelta | None) -> float | None:
    return span.total_seconds() if span is not None else None


def summary_out(cluster: str, summary: JobSummary, lang: Language) -> JobSummaryOut:
    metadata = summary.job.get("metadata") or {}
    return JobSummaryOut(
        cluster=cluster,
        name=summary.name,
        namespace=summary.namespace,
        status=StatusOut(
            code=summary.status.code.value,
            label=status_label(summary.status.code, lang),
            reason=summary.status.reason,
            message=summary.status.message,
            tooltip=status_tooltip(summary.status, lang),
        ),
        completions=CompletionsOut(
            succeeded=summary.completions.succeeded,
            wanted=summary.completions.wanted,
            parallelism=summary.completions.parallelism,
            text=str(summary.completions),
        ),
        created=summary.created,
        started=summary.started,
        finished=summary.finished,
        duration_seconds=_seconds(summary.duration),
        labels=dict(metadata.get("labels") or {}),
        description=(metadata.get("annotations") or {}).get(DESCRIPTION_ANNOTATION),
    )


def detail_out(cluster: str, detail: JobDetail, lang: Language) -> JobDetailOut:
    return JobDetailOut(
        summary=summary_out(cluster, detail.summary, lang),
        pods=[PodOut.model_validate(pod) for pod in detail.pods],
        conditions=[ConditionOut.model_validate(condition) for condition in detail.conditions],
        events=[EventOut.model_validate(event) for event in detail.events],
        runs=[run_out(run, lang) for run in detail.runs],
        job=detail.summary.job,
        service=detail.service,
        endpoints=detail.endpoints,
    )


def run_out(run: Run, lang: Language) -> RunOut:
    label = status_label(StatusCode(run.result), lang) if run.result in set(StatusCode) else run.result
    return RunOut.model_validate(run).model_copy(update={"result_label": label})
