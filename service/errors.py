"""Errors at the HTTP edge: each one a status, a ``FAAS-…`` code and messages.

Domain errors are translated here and nowhere else.
"""

from __future__ import annotations

from commands.errors import (
    ConcurrentChangeError,
    ConflictError,
    DeploymentIdTakenError,
    DeploymentNotFoundError,
    DomainError,
    FunctionLimitExceededError,
    LimitReachedError,
    PackageIdTakenError,
    PackageNameTakenError,
    PackageNotFoundError,
    RevisionIdTakenError,
    RevisionNotFoundError,
    StoreUnavailableError,
    VersionMismatchError,
)

RETRY_AFTER_SECONDS = "2"
# How much of a value that was sent a message may repeat; and, whatever it repeats, how long
# a message may be.
ECHOED_CHARACTERS = 40
LONGEST_MESSAGE = 500


def echo(text: str) -> str:
    """A value that was sent, as a message may repeat it: a short prefix of a long one."""
    return text if len(text) <= ECHOED_CHARACTERS else f"{text[:ECHOED_CHARACTERS]}…"


class ApiError(Exception):
    """An answer other than success, ready to be put in the envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        *messages: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        messages = tuple(
            message if len(message) <= LONGEST_MESSAGE else f"{message[:LONGEST_MESSAGE]}…"
            for message in messages
        )
        super().__init__(f"{code}: {'; '.join(messages)}")
        self.status = status
        self.code = code
        self.messages = messages
        self.headers = headers or {}


def validation_failed(*messages: str) -> ApiError:
    return ApiError(400, "FAAS-400", *messages)


def malformed_json() -> ApiError:
    return ApiError(400, "FAAS-1003", "The body is not valid JSON in UTF-8")


def bad_correlation_id() -> ApiError:
    return ApiError(
        400,
        "FAAS-1000",
        "X-Correlation-Id must be 1 to 64 characters of A-Z a-z 0-9 . _ : -",
    )


def not_acceptable() -> ApiError:
    return ApiError(406, "FAAS-406", "This API answers only application/json")


def unsupported_media_type() -> ApiError:
    return ApiError(415, "FAAS-415", "The body must be sent as Content-Type: application/json")


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, "FAAS-413", f"The body is larger than the limit of {limit} bytes")


def internal_error() -> ApiError:
    return ApiError(500, "FAAS-500", "Internal server error")


HTTP_STATUS_ERRORS = {
    404: ("FAAS-404", "Not found: no such route"),
    405: ("FAAS-405", "Method not allowed on this path"),
}


def from_http_status(status: int, headers: dict[str, str] | None) -> ApiError:
    """Routing failures (unknown path, wrong method) in our envelope."""
    code, message = HTTP_STATUS_ERRORS.get(status, ("FAAS-500", "Internal server error"))
    return ApiError(status, code, message, headers=headers)


def store_unavailable(message: str = "The store is unavailable. Retry later.") -> ApiError:
    return ApiError(503, "FAAS-503", message, headers={"Retry-After": RETRY_AFTER_SECONDS})


def too_many_connections() -> ApiError:
    return ApiError(
        503,
        "FAAS-503",
        "The server has as many connections open as it may. Retry later.",
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


def from_domain(error: DomainError) -> ApiError:
    """The one translation of domain errors into HTTP answers."""
    if isinstance(
        error,
        PackageIdTakenError | PackageNameTakenError | RevisionIdTakenError | DeploymentIdTakenError,
    ):
        return ApiError(409, "FAAS-409", str(error))
    if isinstance(error, LimitReachedError):
        return ApiError(422, error.code, str(error))
    if isinstance(error, ConflictError):
        return ApiError(409, error.code, str(error))
    if isinstance(error, PackageNotFoundError | RevisionNotFoundError | DeploymentNotFoundError):
        return ApiError(404, "FAAS-404", "Entity not found")
    if isinstance(error, VersionMismatchError):
        return ApiError(412, "FAAS-412", str(error))
    if isinstance(error, ConcurrentChangeError):
        return store_unavailable("The package kept changing under this request; retry.")
    if isinstance(error, FunctionLimitExceededError):
        return ApiError(422, "FAAS-1006", str(error))
    if isinstance(error, StoreUnavailableError):
        return store_unavailable(
            "The event store is unavailable; nothing was written. Retry later."
        )
    return internal_error()
