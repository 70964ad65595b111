"""Every failure of a cluster call as one exception carrying a Kubernetes ``Status``.

The API server's own Status is kept as it came, so the form layer can map
``details.causes[].field`` onto the wizard. Failures that never reached an API
server (refused connections, TLS, timeouts) get a Status made here, code 503,
as :class:`ClusterUnreachable`, so a caller shows them like any other error.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import httpx2
from lightkube import ApiError

__all__ = ["ClusterUnreachable", "KubeError", "Unreachability", "kube_errors", "status_error", "unreachable"]


class Unreachability(StrEnum):
    """Why no API server answered; each is one message of the clusters catalog."""

    REFUSED = "unreachable"
    TIMEOUT = "timeout"
    CERTIFICATE_EXPIRED = "certificateExpired"
    CERTIFICATE_UNTRUSTED = "certificateUntrusted"
    CERTIFICATE_HOST_MISMATCH = "certificateHostMismatch"


class KubeError(Exception):
    """A Kubernetes ``Status`` of failure: ``code``, ``reason``, ``message``, ``details.causes``."""

    def __init__(self, status: dict[str, Any]) -> None:
        self.status = status
        super().__init__(self.message)

    @property
    def code(self) -> int:
        return int(self.status.get("code") or 0)

    @property
    def reason(self) -> str:
        return str(self.status.get("reason") or "")

    @property
    def message(self) -> str:
        return str(self.status.get("message") or self.reason or f"HTTP {self.code}")

    @property
    def causes(self) -> list[dict[str, Any]]:
        return list((self.status.get("details") or {}).get("causes") or [])


class ClusterUnreachable(KubeError):
    """No API server answered at ``server``: it is down, too slow, or its certificate is not to be trusted."""

    def __init__(self, server: str, why: Unreachability, detail: str) -> None:
        self.server = server
        self.why = why
        self.detail = detail
        super().__init__(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "code": HTTPStatus.SERVICE_UNAVAILABLE.value,
                "reason": "ServiceUnavailable",
                "message": f"cluster at {server} is unreachable: {detail}",
            }
        )


def status_error(code: int, message: str) -> KubeError:
    """A KubeError for an HTTP error that came without a Status body (a proxy's page, say)."""
    try:
        reason = HTTPStatus(code).phrase.replace(" ", "")
    except ValueError:
        reason = "Unknown"
    return KubeError(
        {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code, "reason": reason, "message": message}
    )


@contextmanager
def kube_errors(server: str) -> Iterator[None]:
    """Turn lightkube's and httpx's exceptions raised inside into :class:`KubeError`."""
    try:
        yield
    except ApiError as error:
        raise KubeError(_status_of(error)) from None
    except httpx2.HTTPStatusError as error:
        raise status_error(error.response.status_code, error.response.text[:500] or str(error)) from None
    except httpx2.TimeoutException as error:
        raise ClusterUnreachable(server, Unreachability.TIMEOUT, str(error) or type(error).__name__) from None
    except httpx2.TransportError as error:
        raise unreachable(server, error) from None


def unreachable(server: str, error: BaseException) -> ClusterUnreachable:
    verification = _certificate_verification_error(error)
    if verification is None:
        return ClusterUnreachable(server, Unreachability.REFUSED, _innermost_message(error))
    return ClusterUnreachable(server, _unreachability_of(verification), verification.verify_message)


def _status_of(error: ApiError) -> dict[str, Any]:
    if error.response is not None:
        try:
            body = error.response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("kind") == "Status":
            return body
    # A watch stream's ERROR event: lightkube decoded its Status without the response.
    return dict(error.status.to_dict())


# OpenSSL's X509_V_ERR_* codes: the validity-period ones, and the host-name mismatch.
_EXPIRY_CODES = {9, 10}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
_HOST_MISMATCH = 62


def _unreachability_of(error: ssl.SSLCertVerificationError) -> Unreachability:
    if error.verify_code in _EXPIRY_CODES:
        return Unreachability.CERTIFICATE_EXPIRED
    if error.verify_code == _HOST_MISMATCH:
        return Unreachability.CERTIFICATE_HOST_MISMATCH
    return Unreachability.CERTIFICATE_UNTRUSTED


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _certificate_verification_error(error: BaseException) -> ssl.SSLCertVerificationError | None:
    return next((cause for cause in _causes(error) if isinstance(cause, ssl.SSLCertVerificationError)), None)


def _innermost_message(error: BaseException) -> str:
    messages = [str(cause) for cause in _causes(error) if str(cause)]
    return messages[-1] if messages else type(error).__name__
