"""Errors of the embedded cluster, as Kubernetes ``Status`` objects.

Every failure a verb can meet is a :class:`StatusError`; the HTTP layer writes
its :meth:`StatusError.status` as the body, the in-process client raises it as
is. The tree::

    StatusError                    any failure, carries code/reason/message
    ├── BadRequest          400    malformed body, bad selector, bad patch
    ├── Unauthorized        401
    ├── Forbidden           403    e.g. creating in a terminating namespace
    ├── NotFound            404
    ├── MethodNotAllowed    405
    ├── NotAcceptable       406
    ├── AlreadyExists       409
    ├── Conflict            409    stale resourceVersion, failed precondition
    ├── Gone                410    expired resourceVersion
    ├── RequestTooLarge     413
    ├── UnsupportedMediaType 415
    ├── Invalid             422    field errors, with details.causes
    ├── TooManyRequests     429
    ├── InternalError       500
    └── Timeout             504
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AlreadyExists",
    "BadRequest",
    "Cause",
    "Conflict",
    "Forbidden",
    "Gone",
    "InternalError",
    "Invalid",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "RequestTooLarge",
    "StatusError",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
]


@dataclass(frozen=True)
class Cause:
    """One field-level problem, as upstream's ``StatusCause``.

    ``reason`` is upstream's cause type: FieldValueRequired, FieldValueInvalid,
    FieldValueNotSupported, FieldValueDuplicate, FieldValueForbidden,
    FieldValueTooLong, FieldValueTypeInvalid, FieldValueTooMany.
    ``field`` is the path as upstream prints it: ``spec.template.spec.containers[0].image``,
    ``metadata.labels`` and so on.
    """

    field: str
    reason: str
    message: str

    def detail(self) -> str:
        """The text upstream joins into the Status message: ``field: message``."""
        return f"{self.field}: {self.message}" if self.field else self.message

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message, "field": self.field}


class StatusError(Exception):
    code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str | None = None,
        group: str | None = None,
        kind: str | None = None,
        causes: list[Cause] | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = list(causes or [])
        self.retry_after_seconds = retry_after_seconds

    def status(self) -> dict[str, Any]:
        details: dict[str, Any] = {}
        if self.name is not None:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind is not None:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [cause.as_dict() for cause in self.causes]
        if self.retry_after_seconds is not None:
            details["retryAfterSeconds"] = self.retry_after_seconds
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if details:
            body["details"] = details
        return body


class BadRequest(StatusError):
    code = 400
    reason = "BadRequest"


class Unauthorized(StatusError):
    code = 401
    reason = "Unauthorized"


class Forbidden(StatusError):
    code = 403
    reason = "Forbidden"


class NotFound(StatusError):
    code = 404
    reason = "NotFound"


class MethodNotAllowed(StatusError):
    code = 405
    reason = "MethodNotAllowed"


class NotAcceptable(StatusError):
    code = 406
    reason = "NotAcceptable"


class AlreadyExists(StatusError):
    code = 409
    reason = "AlreadyExists"


class Conflict(StatusError):
    code = 409
    reason = "Conflict"


class Gone(StatusError):
    code = 410
    reason = "Expired"


class RequestTooLarge(StatusError):
    code = 413
    reason = "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    code = 415
    reason = "UnsupportedMediaType"


class Invalid(StatusError):
    code = 422
    reason = "Invalid"

    @classmethod
    def of(cls, kind: str, name: str, causes: list[Cause], group: str = "") -> Invalid:
        """Upstream's message: ``Job.batch "x" is invalid: [a: b, c: d]``."""
        qualified = f"{kind}.{group}" if group else kind
        details = [cause.detail() for cause in causes]
        joined = details[0] if len(details) == 1 else "[" + ", ".join(details) + "]"
        return cls(
            f'{qualified} "{name}" is invalid: {joined}',
            name=name,
            group=group,
            kind=kind,
            causes=causes,
        )


class TooManyRequests(StatusError):
    code = 429
    reason = "TooManyRequests"


class InternalError(StatusError):
    code = 500
    reason = "InternalError"


class Timeout(StatusError):
    code = 504
    reason = "Timeout"
