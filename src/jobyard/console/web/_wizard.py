"""Workloads → Jobs → Create by image: the four-step wizard, its YAML view, and Create by YAML.

The wizard is one HTML form posted to itself. Each post carries the draft (``_wizard_draft``: the
whole form as JSON, hidden), the current step's inputs and what the person pressed (``op``):
next, back, a step of the step bar, adding or removing a row, the YAML view and back, dry run,
create. The answer is the ``wizard`` block of ``wizard/wizard.html`` for htmx (the whole page
without JavaScript), so a full load and a swap cannot drift. "Next" checks the step with
``forms.validate`` and stays, with a message under each broken field, until it passes.
Only callers who may create Jobs in the namespace reach any of it (``job.create``, as the API).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from jobyard.console.api import Caller, NodeImageOut, read_node_images
from jobyard.console.auth import Action, PermissionDenied
from jobyard.console.clusters import KubeError
from jobyard.console.forms import FieldError, FormWithRest
from jobyard.console.jobs import KubeApiError
from jobyard.console.resources import RegistryError

from ._clusters import cluster_context
from ._context import CsrfRefused, WebCaller, pages
from ._wizard_create import Outcome, check, submit, submit_yaml
from ._wizard_draft import DraftRefused, decode_draft, draft_from_yaml, draft_yaml, encode_draft, new_draft
from ._wizard_form import (
    CONTAINER_TABS,
    CPU_UNITS,
    MEMORY_UNITS,
    STEPS,
    apply_row_op,
    container_tab_of,
    read_step,
    split_quantity,
    step_of,
)

__all__ = ["ErrorSlots", "router"]

router = APIRouter()
_NEW = "/clusters/{cluster}/namespaces/{namespace}/jobs/new"


class ErrorSlots:
    """The messages by field; a template ``take``s those it shows beside a field, the rest are listed."""

    def __init__(self, errors: list[FieldError]) -> None:
        self._messages: dict[str, str] = {}
        for error in errors:
            self._messages.setdefault(error.path, error.message)
        self._taken: set[str] = set()

    def take(self, path: str) -> str:
        self._taken.add(path)
        return self._messages.get(path, "")

    def has(self, path: str) -> bool:
        return path in self._messages

    def under(self, prefix: str) -> bool:
        return any(path == prefix or path.startswith((prefix + ".", prefix + "[")) for path in self._messages)

    def left(self) -> list[str]:
        return [message for path, message in self._messages.items() if path not in self._taken]

    def __bool__(self) -> bool:
        return bool(self._messages)


@router.get(_NEW)
async def wizard_page(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    caller.require(Action.JOB_CREATE, cluster, namespace)
    clone = request.query_params.get("clone")
    if clone:
        draft = await caller.services.jobs(cluster, caller.db).clone(namespace, clone)
        draft = draft.model_copy(update={"form": draft.form.model_copy(update={"cluster": cluster})})
    else:
        draft = new_draft(cluster, namespace)
    return await _render(request, caller, cluster, namespace, draft, step=0)


@router.post(_NEW)
async def wizard_post(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    caller.require(Action.JOB_CREATE, cluster, namespace)
    data = await _posted(request, caller)
    step = min(max(int(data.get("step", "0")) if data.get("step", "0").isdigit() else 0, 0), len(STEPS) - 1)
    op = data.get("op", "next")
    draft = decode_draft(data.get("draft", ""), cluster, namespace)
    tab = data.get("tab", "")
    slips: list[FieldError] = []
    if data.get("mode") == "yaml":
        try:
            draft = draft_from_yaml(data.get("yaml", ""), cluster, namespace, caller.lang)
        except DraftRefused as refused:
            return await _render(
                request, caller, cluster, namespace, draft, step, yaml_text=data.get("yaml", ""), notice=refused.message
            )
    else:
        form, slips = read_step(step, draft.form, data, caller.lang)
        draft = draft.model_copy(update={"form": form})

    if op.startswith(("add:", "remove:")):
        draft = draft.model_copy(update={"form": apply_row_op(draft.form, op)})
        if op in ("add:containers", "add:initContainers"):
            group = op.partition(":")[2]
            tab = f"{group}:{len(getattr(draft.form, 'containers' if group == 'containers' else 'init_containers')) - 1}:basic"
        return await _render(request, caller, cluster, namespace, draft, step, slips, tab=tab)
    if op == "yaml":
        return await _render(request, caller, cluster, namespace, draft, step, yaml_text=draft_yaml(draft))
    if op == "back":
        return await _render(request, caller, cluster, namespace, draft, max(step - 1, 0), tab=tab)
    if op in ("next", "form") or op.startswith("step:"):
        target = step + 1 if op == "next" else step
        if op.startswith("step:") and op[5:].isdigit():
            target = min(int(op[5:]), len(STEPS) - 1)
        if target <= step and op != "next":
            return await _render(request, caller, cluster, namespace, draft, target, slips, tab=tab)
        errors = [*slips, *await check(caller, draft.form, step)]
        if errors:
            return await _render(request, caller, cluster, namespace, draft, step, errors, tab=tab)
        return await _render(request, caller, cluster, namespace, draft, min(target, len(STEPS) - 1), tab=tab)
    if op in ("dryrun", "create"):
        errors = [*slips, *await check(caller, draft.form)]
        outcome = Outcome(errors=errors) if errors else await submit(caller, draft, dry_run=op == "dryrun")
        if outcome.ok and outcome.created:
            return _redirect(request, f"/clusters/{cluster}/namespaces/{draft.form.namespace}/jobs/{outcome.created}")
        at = _first_step(outcome.errors, step)
        return await _render(request, caller, cluster, namespace, draft, at, outcome.errors, tab=tab, outcome=outcome)
    return await _render(request, caller, cluster, namespace, draft, step, slips, tab=tab)


@router.get(_NEW + "/images")
async def image_picker(
    request: Request, cluster: str, namespace: str, caller: WebCaller, registry: str = "", repository: str = ""
) -> Response:
    """The image picker's list: the registries, one registry's repositories, or one repository's tags."""
    caller.require(Action.JOB_CREATE, cluster, namespace)
    services = caller.services.registries
    picker: dict[str, Any] = {"registry": registry, "repository": repository, "items": [], "error": ""}
    picker["node_images"] = [] if registry else await _node_images(caller, cluster)
    try:
        registries = {info.name: info for info in services.list_registries(caller.user)}
        if not registry:
            picker["items"] = [(info.name, info.server) for info in registries.values()]
        elif registry in registries:
            picker["server"] = registries[registry].server
            if repository:
                picker["items"] = await services.tags(caller.user, registry, repository)
            else:
                picker["items"] = await services.repositories(caller.user, registry)
    except RegistryError as error:
        picker["error"] = error.message(caller.lang)
    except PermissionDenied:
        picker["items"] = []
    context = {"picker": picker, "base": _base(cluster, namespace)}
    return pages(request).response(caller.lang, "wizard/wizard.html", context, block="images")


async def _node_images(caller: Caller, cluster: str) -> list[NodeImageOut]:
    """The images already on the cluster's nodes: picked, they start without a pull."""
    try:
        return await read_node_images(cluster, caller)
    except (PermissionDenied, KubeError):
        return []


@router.get(_NEW + "/yaml")
async def yaml_page(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    caller.require(Action.JOB_CREATE, cluster, namespace)
    return await _render_yaml_page(request, caller, cluster, namespace, "", Outcome())


@router.post(_NEW + "/yaml")
async def yaml_post(request: Request, cluster: str, namespace: str, caller: WebCaller) -> Response:
    """Create by YAML: pasted or uploaded (multipart), one Job and at most one Service, dry run or create."""
    caller.require(Action.JOB_CREATE, cluster, namespace)
    posted = await request.form()
    _require_csrf(request, caller, str(posted.get("csrf_token", "")))
    upload = posted.get("file")
    text = str(posted.get("yaml", ""))
    if isinstance(upload, UploadFile) and upload.filename:
        text = (await upload.read()).decode("utf-8", errors="replace")
    op = str(posted.get("op", "create"))
    outcome = await submit_yaml(caller, cluster, namespace, text, dry_run=op != "create")
    if outcome.ok and outcome.created:
        return _redirect(request, f"/clusters/{cluster}/namespaces/{namespace}/jobs/{outcome.created}")
    return await _render_yaml_page(request, caller, cluster, namespace, text, outcome, checked=True)


async def _posted(request: Request, caller: Caller) -> dict[str, str]:
    posted = await request.form()
    data = {key: value for key, value in posted.items() if isinstance(value, str)}
    _require_csrf(request, caller, data.get("csrf_token", ""))
    return data


def _require_csrf(request: Request, caller: Caller, field: str) -> None:
    sent = request.headers.get("x-csrf-token") or field
    if not (caller.csrf_token and hmac.compare_digest(caller.csrf_token.encode(), sent.encode())):
        raise CsrfRefused()


def _redirect(request: Request, target: str) -> Response:
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _first_step(errors: list[FieldError], current: int) -> int:
    steps = [step_of(error.path) for error in errors if step_of(error.path) >= 0]
    return min(steps) if steps else current


def _base(cluster: str, namespace: str) -> str:
    return f"/clusters/{cluster}/namespaces/{namespace}/jobs"


def _active_tab(tab: str, errors: list[FieldError], draft: FormWithRest) -> tuple[str, int, str]:
    """The container and sub-tab to show: the first one with an error, else the one last open."""
    for error in errors:
        found = container_tab_of(error.path)
        if found is not None:
            return found
    group, _, rest = tab.partition(":")
    index, _, sub = rest.partition(":")
    rows = draft.form.containers if group == "containers" else draft.form.init_containers
    if group in ("containers", "initContainers") and index.isdigit() and int(index) < len(rows):
        return group, int(index), sub if sub in CONTAINER_TABS else "basic"
    return "containers", 0, "basic"


async def _render(
    request: Request,
    caller: Caller,
    cluster: str,
    namespace: str,
    draft: FormWithRest,
    step: int,
    errors: list[FieldError] | None = None,
    *,
    tab: str = "",
    yaml_text: str | None = None,
    notice: str = "",
    outcome: Outcome | None = None,
) -> Response:
    errors = errors or []
    context = await cluster_context(request, caller, cluster, namespace)
    creatable = [ns for ns in context["namespaces"] if caller.may(Action.JOB_CREATE, cluster, ns)]
    context.update(
        base=_base(cluster, namespace),
        action=_NEW.format(cluster=cluster, namespace=namespace),
        steps=STEPS,
        step=step,
        draft=encode_draft(draft),
        form=draft.form,
        cloned=bool(draft.rest),
        errors=ErrorSlots(errors if yaml_text is None else []),
        active=_active_tab(tab, errors, draft),
        container_tabs=CONTAINER_TABS,
        cpu_units=CPU_UNITS,
        memory_units=MEMORY_UNITS,
        split_quantity=split_quantity,
        creatable=creatable or [namespace],
        yaml_text=yaml_text,
        notice=notice,
        outcome=outcome,
        **await _references(caller, cluster, draft.form.namespace) if step == 1 else {"configmaps": [], "secrets": []},
    )
    block = "wizard" if request.headers.get("hx-request") else None
    return pages(request).response(caller.lang, "wizard/wizard.html", context, block=block)


async def _references(caller: Caller, cluster: str, namespace: str) -> Mapping[str, list[str]]:
    """The ConfigMaps and Secrets of the namespace, offered by name in env and storage rows."""
    resources = caller.services.resources
    found: dict[str, list[str]] = {"configmaps": [], "secrets": []}
    try:
        found["configmaps"] = [item.name for item in await resources.list_configmaps(caller.user, cluster, namespace)]
        found["secrets"] = [item.name for item in await resources.list_secrets(caller.user, cluster, namespace)]
    except (PermissionDenied, KubeError, KubeApiError):
        pass
    return found


async def _render_yaml_page(
    request: Request,
    caller: Caller,
    cluster: str,
    namespace: str,
    text: str,
    outcome: Outcome,
    checked: bool = False,
) -> Response:
    context = await cluster_context(request, caller, cluster, namespace)
    context.update(base=_base(cluster, namespace), text=text, outcome=outcome, checked=checked)
    status = 200 if outcome.ok else 422
    return pages(request).response(caller.lang, "wizard/yaml.html", context, status=status)
