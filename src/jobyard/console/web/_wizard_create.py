"""Checking and creating what the wizard holds, through the JSON API's own create routes.

A step is checked with ``forms.validate`` (the rules live there, not here) and only the errors on
that step's fields are shown. Dry run and Create call the very functions that answer
``POST /api/…/jobs`` and ``POST /api/…/jobs/yaml``, with the same caller: the same permission
checks (Cluster Admin for privileged containers and hostPath), the same audit entry, the same
mapping of the cluster's ``Status`` causes onto the form's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.responses import Response

# The API's create routes are plain async functions; the web calls them as its twin reads are called.
from jobyard.console.api import API_TEXTS, ApiError, Caller, JobYamlIn, create_from_form, create_from_yaml
from jobyard.console.auth import Action
from jobyard.console.forms import FieldError, FormWithRest, JobForm, validate
from jobyard.console.jobs import JOBS

from ._i18n import translations
from ._wizard_form import step_of

__all__ = ["Outcome", "check", "privilege_errors", "submit", "submit_yaml"]


@dataclass
class Outcome:
    """What the cluster said: nothing (it accepts), or field errors and a message for the whole form."""

    created: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message


async def check(caller: Caller, form: JobForm, step: int | None = None) -> list[FieldError]:
    """The broken rules of the whole form, or of one step's fields only."""
    if not caller.may(Action.JOB_CREATE, form.cluster, form.namespace):
        # A namespace typed into the YAML, say, where the caller may not create: not even its Job names are read.
        text = API_TEXTS["forbidden"].pick(caller.lang).format(action=Action.JOB_CREATE.value)
        return [FieldError(path="namespace", code="forbidden", message=text)]
    jobs = await caller.services.kube(form.cluster).list(JOBS, form.namespace) if form.namespace else []
    existing = {str(job["metadata"]["name"]) for job in jobs}
    errors = [*validate(form, caller.lang, existing), *privilege_errors(caller, form)]
    return [error for error in errors if step is None or step_of(error.path) == step]


def privilege_errors(caller: Caller, form: JobForm) -> list[FieldError]:
    """Privileged containers and hostPath volumes need Cluster Admin: said on the fields that ask for them."""
    if caller.may(Action.JOB_CREATE_PRIVILEGED, form.cluster, form.namespace):
        return []
    message = translations(caller.lang).gettext(
        "Only a Cluster Admin may run privileged containers or mount a node path (hostPath)."
    )
    errors = []
    for group, containers in (("initContainers", form.init_containers), ("containers", form.containers)):
        for i, container in enumerate(containers):
            if container.privileged:
                errors.append(FieldError(path=f"{group}[{i}].privileged", code="clusterAdminOnly", message=message))
            for j, row in enumerate(container.storage):
                if row.type == "hostPath":
                    path = f"{group}[{i}].storage[{j}].type"
                    errors.append(FieldError(path=path, code="clusterAdminOnly", message=message))
    return errors


async def submit(caller: Caller, draft: FormWithRest, *, dry_run: bool) -> Outcome:
    form = draft.form
    try:
        await create_from_form(form.cluster, form.namespace, draft, caller, Response(), dry_run)
    except ApiError as error:
        return _refused(caller, error)
    return Outcome(created=None if dry_run else form.name)


async def submit_yaml(caller: Caller, cluster: str, namespace: str, text: str, *, dry_run: bool) -> Outcome:
    try:
        created = await create_from_yaml(cluster, namespace, JobYamlIn(yaml=text), caller, Response(), dry_run)
    except ApiError as error:
        return _refused(caller, error)
    job = next((m for m in created.manifests if m.get("kind") == "Job"), {})
    return Outcome(created=None if dry_run else str((job.get("metadata") or {}).get("name", "")))


def _refused(caller: Caller, error: ApiError) -> Outcome:
    message = API_TEXTS[error.code].pick(caller.lang).format(**error.params) if error.code in API_TEXTS else error.code
    return Outcome(errors=error.fields, message=message)
