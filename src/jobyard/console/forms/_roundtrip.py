"""Manifests ↔ form with nothing lost: the form shows what it can, the original YAML keeps the rest."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ._manifests import generate
from ._merge import MISSING, merge3
from ._model import JobForm
from ._parse import parse

__all__ = ["FormWithRest", "from_manifests", "to_manifests"]

Manifest = dict[str, Any]


class FormWithRest(BaseModel):
    """A form opened from manifests; ``rest`` is those manifests (Job, then Service if any) as written."""

    form: JobForm
    rest: list[Manifest] = Field(default_factory=list)


def from_manifests(job: Manifest, service: Manifest | None = None) -> FormWithRest:
    return FormWithRest(form=parse(job, service), rest=[job] if service is None else [job, service])


def to_manifests(form: JobForm, rest: list[Manifest] | None = None) -> list[Manifest]:
    """The Job, then the Service when the form has one.

    With ``rest`` (a ``FormWithRest.rest``), what the form cannot show is carried over from the
    original manifests and what the user changed in the form replaces them, so
    ``to_manifests(opened.form, opened.rest)`` of an untouched form gives the original back.
    """
    ours = generate(form)
    if not rest:
        return ours
    theirs_job, theirs_service = rest[0], rest[1] if len(rest) > 1 else None
    base = generate(parse(theirs_job, theirs_service))
    job = merge3(base[0], ours[0], theirs_job)
    service = merge3(
        base[1] if len(base) > 1 else MISSING,
        ours[1] if len(ours) > 1 else MISSING,
        theirs_service if theirs_service is not None else MISSING,
    )
    return [job] if service is MISSING else [job, service]
