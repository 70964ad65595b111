"""``jobyard job create``'s options as the console's wizard form: the JSON the web wizard posts.

The form's shape is the console's (``jobyard.console.forms.JobForm``, camelCase on the wire),
written out here by hand: the CLI is a client of the API, not of the console's code. A form read
from ``-f`` is sent as it is, with the options given on the command line written over it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import typer

from jobyard.cli import messages

__all__ = ["FIELD_OPTIONS", "JobOptions", "job_form"]

# The wizard's default parallelism; with fewer instances it would exceed them.
_WIZARD_PARALLELISM = 2
_SERVICE_PORT = re.compile(r"^(?P<port>\d+)(?::(?P<target>[^/:]+))?(?:/(?P<protocol>TCP|UDP))?$", re.IGNORECASE)

# Where the console puts a field error, and the option that set that field.
FIELD_OPTIONS = {
    "name": "NAME",
    "instances": "--instances",
    "containers": "--image",
    "containers[0].image": "--image",
    "containers[0].resources.cpuRequest": "--cpu-request",
    "containers[0].resources.cpuLimit": "--cpu-limit",
    "containers[0].resources.memoryRequest": "--memory-request",
    "containers[0].resources.memoryLimit": "--memory-limit",
    "advanced.parallelism": "--parallelism",
    "advanced.timeoutSeconds": "--timeout",
    "service.ports": "--service-port",
}


@dataclass(frozen=True)
class JobOptions:
    """What ``job create`` was told; None (or empty) leaves the form's own value."""

    image: str | None = None
    instances: int | None = None
    parallelism: int | None = None
    timeout: int | None = None
    indexed: bool = False
    command: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    service_ports: list[str] = field(default_factory=list)


def job_form(name: str, options: JobOptions, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body of ``POST …/jobs``: ``{form, rest}``; ``document`` is a form file, bare or already so wrapped."""
    body: dict[str, Any] = dict(document or {})
    if "form" not in body:
        body = {"form": body}
    form: dict[str, Any] = dict(body["form"] or {})
    body["form"] = form
    form["name"] = name
    if options.instances is not None:
        form["instances"] = options.instances
    _container(form, name, options)
    _advanced(form, options)
    if options.service_ports:
        service = dict(form.get("service") or {})
        service["ports"] = [*service.get("ports", []), *map(_service_port, options.service_ports)]
        form["service"] = service
    return body


def _container(form: dict[str, Any], name: str, options: JobOptions) -> None:
    if not (options.image or options.command or options.env or options.resources):
        return
    containers = list(form.get("containers") or [{"name": name}])
    main = dict(containers[0])
    if options.image:
        main["image"] = options.image
    if options.command:
        main["lifecycle"] = {**(main.get("lifecycle") or {}), "command": shlex.split(options.command)}
    if options.env:
        rows = [{"type": "keyValue", "name": key, "value": value} for key, value in options.env.items()]
        main["env"] = [*(main.get("env") or []), *rows]
    if options.resources:
        main["resources"] = {**(main.get("resources") or {}), **options.resources}
    form["containers"] = [main, *containers[1:]]


def _advanced(form: dict[str, Any], options: JobOptions) -> None:
    advanced = dict(form.get("advanced") or {})
    if options.parallelism is not None:
        advanced["parallelism"] = options.parallelism
    elif options.instances is not None and "parallelism" not in advanced:
        advanced["parallelism"] = min(options.instances, _WIZARD_PARALLELISM)
    if options.timeout is not None:
        advanced["timeoutSeconds"] = options.timeout
    if options.indexed:
        advanced["completionMode"] = "Indexed"
    for key, given in (("labels", options.labels), ("annotations", options.annotations)):
        if given:
            advanced[key] = [*(advanced.get(key) or []), *({"key": k, "value": v} for k, v in given.items())]
    form["advanced"] = advanced


def _service_port(text: str) -> dict[str, Any]:
    """``PORT[:TARGET][/PROTOCOL]``, as ``docker run -p`` reads it; named so that several may be given."""
    match = _SERVICE_PORT.match(text)
    if match is None:
        raise typer.BadParameter(messages.not_a_service_port(text), param_hint="--service-port")
    port = int(match["port"])
    target = match["target"] or port
    protocol = (match["protocol"] or "TCP").upper()
    return {
        "name": f"{protocol.lower()}-{port}",
        "port": port,
        "targetPort": int(target) if str(target).isdigit() else target,
        "protocol": protocol,
    }
