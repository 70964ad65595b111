"""The Job kind (batch/v1): defaults, generated selector, validation, table."""

from __future__ import annotations

import copy
import re
from typing import Any

from jobyard.cluster.errors import Cause

from ._age import human_duration, parse_timestamp
from ._base import Column, ResourceType
from ._causes import OMIT, duplicate, immutable, invalid, non_negative, not_supported, required, too_long_max
from ._job_policies import (
    validate_pod_failure_policy,
    validate_pod_replacement_policy,
    validate_success_policy,
)
from ._names import dns1123_label, dns1123_subdomain, regex_error
from ._podspec import default_pod_spec, validate_pod_template
from ._selectors import selector_matches, validate_label_selector
from ._tables import age_cell, age_column, described, format_selector, name_column

__all__ = ["CONTROLLER_UID_LABEL", "JOB", "JOB_NAME_LABEL"]

Obj = dict[str, Any]

CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"
MAX_INT32 = 2147483647
MAX_INDEXED_PARALLELISM = 100_000
MAX_FAILED_INDEXES = 100_000
COMPLETIONS_SOFT_LIMIT = 100_000
HIGH_COMPLETIONS_LIMIT = 10_000
MAX_MANAGED_BY_LENGTH = 63
COMPLETION_MODES = ("NonIndexed", "Indexed")
_HTTP_PATH = r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+"
_HTTP_PATH_RE = re.compile(f"^{_HTTP_PATH}$")


def default_job(obj: Obj) -> None:
    """``SetDefaults_Job`` plus the pod template's defaults; safe to run twice."""
    spec: Obj = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    policy = spec.get("podFailurePolicy")
    for rule in (policy or {}).get("rules") or []:
        for pattern in rule.get("onPodConditions") or []:
            if not pattern.get("status"):
                pattern["status"] = "True"
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = "Failed" if policy is not None else "TerminatingOrFailed"
    template: Obj = spec.setdefault("template", {})
    default_pod_spec(template.setdefault("spec", {}))
    _default_labels_from_template(obj)


def _default_labels_from_template(obj: Obj) -> None:
    template_labels = ((obj["spec"].get("template") or {}).get("metadata") or {}).get("labels")
    meta: Obj = obj.setdefault("metadata", {})
    if template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)


def prepare_job_for_create(obj: Obj) -> None:
    """Fresh status, generation 1, and (unless manualSelector) the generated selector."""
    obj["status"] = {}
    meta: Obj = obj.setdefault("metadata", {})
    meta["generation"] = 1
    spec: Obj = obj.setdefault("spec", {})
    if not spec.get("manualSelector"):
        _generate_selector(spec, meta.get("name", ""), meta.get("uid", ""))
    _default_labels_from_template(obj)


def _generate_selector(spec: Obj, name: str, uid: str) -> None:
    # Labels the user already set are kept; a conflict fails validation instead.
    template_meta: Obj = spec.setdefault("template", {}).setdefault("metadata", {})
    labels: Obj = template_meta.get("labels") or {}
    template_meta["labels"] = labels
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, name)
    for key in (LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    selector: Obj = spec.get("selector") or {}
    spec["selector"] = selector
    selector.setdefault("matchLabels", {}).setdefault(CONTROLLER_UID_LABEL, uid)


def validate_job(obj: Obj, old: Obj | None) -> list[Cause]:
    meta: Obj = obj.get("metadata") or {}
    spec: Obj = obj.get("spec") or {}
    causes: list[Cause] = []
    if old is None:
        causes += _validate_generated_selector(obj)
    causes += _validate_spec(spec, "spec")
    if old is None:
        causes += _validate_indexed_name(meta.get("name") or "", spec)
    else:
        causes += _validate_spec_update(spec, old.get("spec") or {}, old.get("status") or {})
    return causes


def _validate_indexed_name(name: str, spec: Obj) -> list[Cause]:
    completions = spec.get("completions")
    if spec.get("completionMode") != "Indexed" or not isinstance(completions, int) or completions <= 0:
        return []
    # The controller names pods' hostnames "<job>-<index>"; the last one must be a DNS label.
    hostname = f"{name}-{completions - 1}"
    if not dns1123_label(hostname):
        return []
    return [invalid("metadata.name", name, f"will not able to create pod with invalid DNS label: {hostname}")]


def _validate_generated_selector(obj: Obj) -> list[Cause]:
    spec: Obj = obj.get("spec") or {}
    if spec.get("manualSelector") or spec.get("selector") is None:
        return []
    meta: Obj = obj.get("metadata") or {}
    name, uid = meta.get("name", ""), meta.get("uid", "")
    causes: list[Cause] = []
    if not uid:
        causes.append(required("metadata.uid"))
    labels: Obj = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    expected = {
        LEGACY_CONTROLLER_UID_LABEL: uid,
        LEGACY_JOB_NAME_LABEL: name,
        CONTROLLER_UID_LABEL: uid,
        JOB_NAME_LABEL: name,
    }
    for key, value in expected.items():
        causes += _has_label(labels, key, value)
    if selector_matches(spec["selector"], expected) is False:
        causes.append(invalid("spec.selector", spec["selector"], "`selector` not auto-generated"))
    return causes


def _has_label(labels: Obj, key: str, value: str) -> list[Cause]:
    """Upstream's ``ValidateHasLabel`` on the template metadata."""
    path = f"spec.template.metadata.labels[{key}]"
    if key not in labels:
        return [required(path, value)]
    if labels[key] != value:
        return [invalid(path, labels, f"must be '{value}'")]
    return []


def _validate_spec(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
    ):
        causes += non_negative(f"{path}.{key}", spec.get(key))
    max_failed = spec.get("maxFailedIndexes")
    if max_failed is not None:
        causes += non_negative(f"{path}.maxFailedIndexes", max_failed)
        if spec.get("backoffLimitPerIndex") is None:
            causes.append(required(f"{path}.backoffLimitPerIndex", "when maxFailedIndexes is specified"))
    if spec.get("managedBy") is not None:
        causes += _validate_managed_by(spec["managedBy"], f"{path}.managedBy")
    causes += _validate_completion_mode(spec, path)
    if spec.get("podFailurePolicy") is not None:
        causes += validate_pod_failure_policy(spec, f"{path}.podFailurePolicy")
    if spec.get("successPolicy") is not None:
        causes += validate_success_policy(spec, f"{path}.successPolicy")
    causes += validate_pod_replacement_policy(spec, f"{path}.podReplacementPolicy")
    template: Obj = spec.get("template") or {}
    causes += validate_pod_template(template, f"{path}.template")
    causes += _validate_restart_policy(spec, f"{path}.template.spec.restartPolicy")
    selector = spec.get("selector")
    if selector is None:
        causes.append(required(f"{path}.selector"))
        return causes
    causes += validate_label_selector(selector, f"{path}.selector")
    labels: Obj = (template.get("metadata") or {}).get("labels") or {}
    if selector_matches(selector, labels) is False:
        causes.append(
            invalid(f"{path}.template.metadata.labels", labels, "`selector` does not match template `labels`")
        )
    return causes


def _validate_managed_by(managed_by: str, path: str) -> list[Cause]:
    causes: list[Cause] = []
    domain, slash, rest = managed_by.partition("/")
    if not managed_by:
        causes.append(required(path))
    elif not slash or not domain or not rest:
        causes.append(invalid(path, managed_by, 'must be a domain-prefixed path (such as "acme.io/foo")'))
    else:
        causes += [invalid(path, domain, message) for message in dns1123_subdomain(domain)]
        if not _HTTP_PATH_RE.match(rest):
            causes.append(invalid(path, rest, regex_error("Invalid path", _HTTP_PATH)))
    if len(managed_by) > MAX_MANAGED_BY_LENGTH:
        causes.append(too_long_max(path, MAX_MANAGED_BY_LENGTH))
    return causes


def _validate_completion_mode(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    mode = spec.get("completionMode")
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    max_failed = spec.get("maxFailedIndexes")
    if mode is not None and mode not in COMPLETION_MODES:
        causes.append(not_supported(f"{path}.completionMode", mode, COMPLETION_MODES))
    if mode == "Indexed":
        if completions is None:
            causes.append(required(f"{path}.completions", "when completion mode is Indexed"))
        if parallelism is not None and parallelism > MAX_INDEXED_PARALLELISM:
            causes.append(
                invalid(
                    f"{path}.parallelism",
                    parallelism,
                    f"must be less than or equal to {MAX_INDEXED_PARALLELISM} when completion mode is Indexed",
                )
            )
        if completions is not None and max_failed is not None and max_failed > completions:
            causes.append(invalid(f"{path}.maxFailedIndexes", max_failed, "must be less than or equal to completions"))
        if max_failed is not None and max_failed > MAX_FAILED_INDEXES:
            causes.append(
                invalid(f"{path}.maxFailedIndexes", max_failed, f"must be less than or equal to {MAX_FAILED_INDEXES}")
            )
        if (
            completions is not None
            and completions > COMPLETIONS_SOFT_LIMIT
            and spec.get("backoffLimitPerIndex") is not None
        ):
            causes += _validate_high_completions(spec, path)
    if mode is None or mode == "NonIndexed":
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if spec.get(key) is not None:
                causes.append(invalid(f"{path}.{key}", spec[key], "requires indexed completion mode"))
    return causes


def _validate_high_completions(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    suffix = f"when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
    max_failed, parallelism = spec.get("maxFailedIndexes"), spec.get("parallelism")
    if max_failed is None:
        causes.append(
            required(
                f"{path}.maxFailedIndexes", f"must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"
            )
        )
    if parallelism is not None and parallelism > HIGH_COMPLETIONS_LIMIT:
        causes.append(
            invalid(
                f"{path}.parallelism", parallelism, f"must be less than or equal to {HIGH_COMPLETIONS_LIMIT} {suffix}"
            )
        )
    if max_failed is not None and max_failed > HIGH_COMPLETIONS_LIMIT:
        causes.append(
            invalid(
                f"{path}.maxFailedIndexes",
                max_failed,
                f"must be less than or equal to {HIGH_COMPLETIONS_LIMIT} {suffix}",
            )
        )
    return causes


def _validate_restart_policy(spec: Obj, path: str) -> list[Cause]:
    policy = ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") or ""
    # Pod defaulting turns an empty policy into Always, so both mean "not given" for a Job.
    if policy in ("", "Always"):
        return [required(path, 'valid values: "OnFailure", "Never"')]
    if policy not in ("OnFailure", "Never"):
        return [not_supported(path, policy, ("OnFailure", "Never"))]
    if spec.get("podFailurePolicy") is not None and policy != "Never":
        return [invalid(path, policy, 'only "Never" is supported when podFailurePolicy is specified')]
    return []


def _validate_spec_update(spec: Obj, old_spec: Obj, old_status: Obj) -> list[Cause]:
    causes = _validate_completions_update(spec, old_spec)
    causes += immutable("spec.selector", spec.get("selector"), old_spec.get("selector"))
    causes += _validate_template_update(spec, old_spec, old_status)
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
        causes += immutable(f"spec.{key}", spec.get(key), old_spec.get(key))
    return causes


def _validate_completions_update(spec: Obj, old_spec: Obj) -> list[Cause]:
    completions = spec.get("completions")
    if spec.get("completionMode") != "Indexed":
        return immutable("spec.completions", completions, old_spec.get("completions"))
    # Elastic Indexed Jobs scale completions and parallelism together.
    if completions == old_spec.get("completions") or completions is None:
        return []
    if completions != spec.get("parallelism"):
        return [invalid("spec.completions", completions, "can only be modified in tandem with spec.parallelism")]
    return []


def _validate_template_update(spec: Obj, old_spec: Obj, old_status: Obj) -> list[Cause]:
    template: Obj = spec.get("template") or {}
    old_template: Obj = copy.deepcopy(old_spec.get("template") or {})
    if old_spec.get("suspend") and not old_status.get("startTime"):
        # A suspended Job that never started may still be re-aimed (e.g. by Kueue).
        new_pod_spec: Obj = template.get("spec") or {}
        old_pod_spec: Obj = old_template.setdefault("spec", {})
        for key in ("nodeSelector", "tolerations", "schedulingGates"):
            _copy_key(new_pod_spec, old_pod_spec, key)
        new_meta: Obj = template.get("metadata") or {}
        old_meta: Obj = old_template.setdefault("metadata", {})
        for key in ("labels", "annotations"):
            _copy_key(new_meta, old_meta, key)
        _copy_node_affinity(new_pod_spec, old_pod_spec)
        if not old_meta:
            old_template.pop("metadata")
    return immutable("spec.template", template, old_template)


def _copy_key(source: Obj, target: Obj, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def _copy_node_affinity(source: Obj, target: Obj) -> None:
    affinity, old_affinity = source.get("affinity"), target.get("affinity")
    if affinity is None and old_affinity is not None:
        old_affinity.pop("nodeAffinity", None)
        if not old_affinity:
            target.pop("affinity")
    elif affinity is not None:
        merged = copy.deepcopy(old_affinity or {})
        _copy_key(affinity, merged, "nodeAffinity")
        target["affinity"] = merged


def _condition_true(status: Obj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in status.get("conditions") or [])


def validate_job_status(obj: Obj, old: Obj | None) -> list[Cause]:
    """The status rules the built-in controller must also obey (a light subset of upstream's)."""
    status: Obj = obj.get("status") or {}
    old_status: Obj = (old or {}).get("status") or {}
    spec: Obj = obj.get("spec") or {}
    causes: list[Cause] = []
    for key in ("active", "succeeded", "failed", "ready", "terminating"):
        causes += non_negative(f"status.{key}", status.get(key))
    seen: set[str] = set()
    uncounted: Obj = status.get("uncountedTerminatedPods") or {}
    for key in ("succeeded", "failed"):
        for index, uid in enumerate(uncounted.get(key) or []):
            at = f"status.uncountedTerminatedPods.{key}[{index}]"
            if not uid:
                causes.append(invalid(at, uid, "must not be empty"))
            elif uid in seen:
                causes.append(duplicate(at, uid))
            seen.add(uid)
    if (status.get("failed") or 0) < (old_status.get("failed") or 0):
        causes.append(invalid("status.failed", status.get("failed") or 0, "cannot decrease the failed counter"))
    scalable = spec.get("completionMode") == "Indexed" and spec.get("completions") == spec.get("parallelism")
    if not scalable and (status.get("succeeded") or 0) < (old_status.get("succeeded") or 0):
        causes.append(
            invalid("status.succeeded", status.get("succeeded") or 0, "cannot decrease the succeeded counter")
        )
    for kind in ("Failed", "Complete", "FailureTarget"):
        if _condition_true(old_status, kind) and not _condition_true(status, kind):
            causes.append(invalid("status.conditions", OMIT, f"cannot disable the terminal {kind}=True condition"))
    if _condition_true(status, "Complete") and _condition_true(status, "Failed"):
        causes.append(invalid("status.conditions", OMIT, "cannot set Complete=True and Failed=true conditions"))
    completion, old_completion = status.get("completionTime"), old_status.get("completionTime")
    if completion and old_completion and completion != old_completion:
        causes.append(invalid("status.completionTime", completion, "completionTime cannot be mutated"))
    return causes


def job_status_cell(obj: Obj) -> str:
    status: Obj = obj.get("status") or {}
    if _condition_true(status, "Complete"):
        return "Complete"
    if _condition_true(status, "Failed"):
        return "Failed"
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _condition_true(status, kind):
            return kind
    return "Running"


def job_row(obj: Obj, now: float) -> list[Any]:
    spec: Obj = obj.get("spec") or {}
    status: Obj = obj.get("status") or {}
    succeeded = status.get("succeeded") or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    duration = ""
    if status.get("startTime"):
        end = parse_timestamp(status["completionTime"]) if status.get("completionTime") else now
        duration = human_duration(end - parse_timestamp(status["startTime"]))
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    return [
        (obj.get("metadata") or {}).get("name", ""),
        job_status_cell(obj),
        completions,
        duration,
        age_cell(obj, now),
        ",".join(container.get("name", "") for container in containers),
        ",".join(container.get("image", "") for container in containers),
        format_selector(spec.get("selector")),
    ]


def job_field_labels(obj: Obj) -> dict[str, str]:
    meta: Obj = obj.get("metadata") or {}
    return {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", ""),
        "status.successful": str((obj.get("status") or {}).get("succeeded") or 0),
    }


JOB = ResourceType(
    group="batch",
    version="v1",
    kind="Job",
    plural="jobs",
    singular="job",
    namespaced=True,
    definition="io.k8s.api.batch.v1.Job",
    categories=("all",),
    subresources=("status",),
    default=default_job,
    validate=validate_job,
    validate_status=validate_job_status,
    prepare_for_create=prepare_job_for_create,
    field_labels=job_field_labels,
    columns=(
        name_column(),
        Column("Status", description="Status of the job."),
        Column("Completions", description=described("io.k8s.api.batch.v1.JobStatus", "succeeded")),
        Column("Duration", description="Time required to complete the job."),
        age_column(),
        Column("Containers", priority=1, description="Names of each container in the template."),
        Column("Images", priority=1, description="Images referenced by each container in the template."),
        Column("Selector", priority=1, description=described("io.k8s.api.batch.v1.JobSpec", "selector")),
    ),
    row=job_row,
)
