"""The wizard's draft: the whole form carried from step to step in the page, and its YAML view.

Why a hidden field and not a server-side draft: the draft is the user's own input and the server
trusts nothing in it (every create re-validates the whole form and re-checks permissions), so
keeping it in the page costs no storage, needs no expiry or cleanup, survives a console restart,
and lets two tabs hold two drafts. The draft is a ``FormWithRest`` as JSON: the form, plus the
manifests it was opened from (a clone or the YAML view), so nothing the form cannot show is lost.

The YAML toggle shows ``to_manifests`` of the draft, editable; switching back opens the edited
YAML with ``from_manifests``, which keeps what the form can express and carries the rest.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from jobyard.console.api import API_TEXTS
from jobyard.console.forms import FormWithRest, JobForm, Language, from_manifests, to_manifests

__all__ = ["DraftRefused", "decode_draft", "draft_from_yaml", "draft_yaml", "encode_draft", "new_draft"]


class DraftRefused(Exception):
    """YAML the form cannot open; ``message`` is in the user's language."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def new_draft(cluster: str, namespace: str) -> FormWithRest:
    """An empty form with one work container, as the wizard opens."""
    form = JobForm.model_validate({"cluster": cluster, "namespace": namespace, "containers": [{"name": "container-1"}]})
    return FormWithRest(form=form)


def encode_draft(draft: FormWithRest) -> str:
    return draft.model_dump_json(by_alias=True, exclude_defaults=False)


def decode_draft(text: str, cluster: str, namespace: str) -> FormWithRest:
    """The posted draft; a missing or broken one starts over rather than failing the page."""
    try:
        draft = FormWithRest.model_validate_json(text)
    except ValidationError:
        return new_draft(cluster, namespace)
    return draft.model_copy(update={"form": draft.form.model_copy(update={"cluster": cluster})})


def draft_yaml(draft: FormWithRest) -> str:
    manifests = to_manifests(draft.form, draft.rest or None)
    return yaml.safe_dump_all(manifests, sort_keys=False, allow_unicode=True, default_flow_style=False)


def draft_from_yaml(text: str, cluster: str, namespace: str, lang: Language) -> FormWithRest:
    """One batch/v1 Job and at most one v1 Service, opened as the form (the YAML kept as ``rest``)."""
    try:
        documents = [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        raise DraftRefused(API_TEXTS["yamlInvalid"].pick(lang).format(detail=str(error))) from None
    jobs = [d for d in documents if _kind(d) == ("batch/v1", "Job")]
    services = [d for d in documents if _kind(d) == ("v1", "Service")]
    if len(jobs) != 1 or len(services) > 1 or len(jobs) + len(services) != len(documents):
        raise DraftRefused(API_TEXTS["yamlKinds"].pick(lang).format())
    try:
        opened = from_manifests(jobs[0], services[0] if services else None)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise DraftRefused(API_TEXTS["yamlInvalid"].pick(lang).format(detail=str(error))) from None
    form = opened.form.model_copy(update={"cluster": cluster, "namespace": opened.form.namespace or namespace})
    return FormWithRest(form=form, rest=opened.rest)


def _kind(document: Any) -> tuple[Any, Any] | None:
    return (document.get("apiVersion"), document.get("kind")) if isinstance(document, dict) else None
