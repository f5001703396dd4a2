"""Errors at the HTTP edge: each one a status, a ``FAAS-…`` code and messages.

Domain errors are translated here and nowhere else.
"""

from __future__ import annotations

from commands import errors as domain

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


def lacks_permission(permission: str) -> ApiError:
    return ApiError(403, "FAAS-403", f"The API key lacks the permission {permission}")


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


# Each domain error's status and code; a subclass not listed takes its nearest base's.
DOMAIN_ERRORS: dict[type[domain.DomainError], tuple[int, str]] = {
    domain.NotFoundError: (404, "FAAS-404"),
    domain.TakenError: (409, "FAAS-409"),
    domain.PackageLimitReachedError: (422, "FAAS-1005"),
    domain.FunctionLimitExceededError: (422, "FAAS-1006"),
    domain.DeploymentLimitReachedError: (422, "FAAS-1030"),
    domain.RunningLimitReachedError: (422, "FAAS-1033"),
    domain.RevisionLimitReachedError: (422, "FAAS-1037"),
    domain.IdempotencyKeyReusedError: (422, "FAAS-1031"),
    domain.IdempotencyKeyInProgressError: (409, "FAAS-1032"),
    domain.DeploymentRunningError: (409, "FAAS-1014"),
    domain.AlreadyDeployedError: (409, "FAAS-1015"),
    domain.PackageRunningError: (409, "FAAS-1016"),
    domain.RevisionRunningError: (409, "FAAS-1017"),
    domain.ScheduleTimeInvalidError: (400, "FAAS-1007"),
    domain.ScheduleActiveError: (409, "FAAS-1010"),
    domain.ScheduleNotEditableError: (409, "FAAS-1011"),
    domain.ScheduleOverlapError: (409, "FAAS-1036"),
    domain.ScheduleLimitReachedError: (422, "FAAS-1038"),
    domain.HandoverRefusedError: (409, "FAAS-1034"),
    domain.TestInputLimitReachedError: (422, "FAAS-1035"),
    domain.KeysetNotFoundError: (400, "FAAS-1022"),
    domain.CounterOutOfRangeError: (400, "FAAS-400"),
    domain.SecretsUnavailableError: (503, "FAAS-503"),
}
# The JSON path of each scheduled time a domain error may name.
SCHEDULE_TIME_PATHS = {"dttm_begin": "$.dttmBegin", "dttm_end": "$.dttmEnd"}


def from_domain(error: domain.DomainError) -> ApiError:
    """The one translation of domain errors into HTTP answers."""
    if isinstance(error, domain.NotFoundError):
        return ApiError(404, "FAAS-404", "Entity not found")
    if isinstance(error, domain.VersionMismatchError):
        return ApiError(
            412,
            "FAAS-412",
            f"If-Match names version {error.expected}; the current version is {error.actual}",
        )
    if isinstance(error, domain.KeysetNotPermittedError):
        return lacks_permission(error.permission)
    if isinstance(error, domain.ConcurrentChangeError):
        return store_unavailable("The package kept changing under this request; retry.")
    if isinstance(error, domain.StoreUnavailableError):
        return store_unavailable(
            "The event store is unavailable; nothing was written. Retry later."
        )
    if isinstance(error, domain.BlueprintParamsError):
        return blueprint_params_refused(error)
    if isinstance(error, domain.ScheduleTimeInvalidError):
        return ApiError(400, "FAAS-1007", f"{SCHEDULE_TIME_PATHS[error.field]}: {error}")
    for kind in type(error).__mro__:
        if kind in DOMAIN_ERRORS:
            status, code = DOMAIN_ERRORS[kind]
            return ApiError(status, code, str(error))
    return internal_error()


def subkey_missing() -> ApiError:
    return ApiError(400, "FAAS-1020", "subkey: required once: the keyset's subscribe key")


def subscribe_key_not_found() -> ApiError:
    """Unknown, or another account's: the same answer either way."""
    return ApiError(400, "FAAS-1022", "Subscribe key not found")


def kv_key_not_found() -> ApiError:
    return ApiError(400, "FAAS-1021", "Key not found")


def secrets_not_paged() -> ApiError:
    return ApiError(400, "FAAS-1029", "size, page_token: the secrets list takes no paging")


def bad_page_token() -> ApiError:
    return ApiError(400, "FAAS-1018", "page_token: not a page token of this list")


def blueprint_params_refused(error: domain.BlueprintParamsError) -> ApiError:
    """An import's ``params`` that do not fit its blueprint, each named by its path."""
    unknown = [
        f"$.params.{echo(name)}: not a parameter of this blueprint" for name in error.unknown
    ]
    missing = [
        f"$.params.{name}: required by the blueprint, which has no default for it: send a value"
        for name in error.missing
    ]
    return validation_failed(*unknown, *missing)
