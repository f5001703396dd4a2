"""Named domain errors: what the write side refuses, and why. Each is a type of its own, so
that the edge can translate it (``service/errors.py``) without reading its message."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """A command that the domain refuses; nothing was written."""


class NotFoundError(DomainError):
    """Unknown, deleted, or another account's: the same answer for all three."""

    def __init__(self) -> None:
        super().__init__("Entity not found")


class PackageNotFoundError(NotFoundError):
    pass


class RevisionNotFoundError(NotFoundError):
    pass


class DeploymentNotFoundError(NotFoundError):
    pass


class TakenError(DomainError):
    """An id or a name that must be unique is taken already."""


class PackageIdTakenError(TakenError):
    def __init__(self, package_id: UUID) -> None:
        super().__init__(f"a package with id {package_id} already exists")
        self.package_id = package_id


class PackageNameTakenError(TakenError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the account already has a package named {name!r}")
        self.name = name


class RevisionIdTakenError(TakenError):
    def __init__(self, revision_id: UUID) -> None:
        super().__init__(f"a package revision with id {revision_id} already exists")


class DeploymentIdTakenError(TakenError):
    def __init__(self, deployment_id: UUID) -> None:
        super().__init__(f"a package deployment with id {deployment_id} already exists")


class LimitReachedError(DomainError):
    """A limit of an account, a package or a revision that the command would pass."""


class PackageLimitReachedError(LimitReachedError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the account has {limit} packages, its limit")


class FunctionLimitExceededError(LimitReachedError):
    def __init__(self, limit: int, requested: int) -> None:
        super().__init__(f"a revision holds at most {limit} functions; {requested} were given")
        self.limit = limit
        self.requested = requested


class RevisionLimitReachedError(LimitReachedError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a package holds at most {limit} revisions; delete one first")


class DeploymentLimitReachedError(LimitReachedError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a revision has at most {limit} deployments")


class RunningLimitReachedError(LimitReachedError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the account has {limit} running deployments, its limit")


class StateConflictError(DomainError):
    """A rule about the current state (running deployments, one per keyset) forbids it."""


class DeploymentRunningError(StateConflictError):
    def __init__(self) -> None:
        super().__init__("a running deployment cannot be deleted")


class AlreadyDeployedError(StateConflictError):
    def __init__(self) -> None:
        super().__init__("the revision is already deployed on that keyset")


class PackageRunningError(StateConflictError):
    def __init__(self) -> None:
        super().__init__("a package with running deployments cannot be deleted")


class RevisionRunningError(StateConflictError):
    def __init__(self) -> None:
        super().__init__("a revision with running deployments cannot be deleted")


class VersionMismatchError(DomainError):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"version {expected} was expected; the current version is {actual}")
        self.expected = expected
        self.actual = actual


class KeysetNotPermittedError(DomainError):
    """The caller may not change deployments on the keyset of the one it names."""

    def __init__(self, permission: str) -> None:
        super().__init__(f"the key lacks {permission} on this deployment's keyset")
        self.permission = permission


class IdempotencyKeyReusedError(DomainError):
    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used with another request")


class IdempotencyKeyInProgressError(DomainError):
    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is still in progress")


class ApiKeyNotFoundError(DomainError):
    def __init__(self, key_id: UUID) -> None:
        super().__init__(f"no API key with id {key_id}")
        self.key_id = key_id


class ConcurrentChangeError(DomainError):
    """Other writers kept changing the same streams; the command gave up, writing nothing."""

    def __init__(self) -> None:
        super().__init__("the package kept changing under this command; retry")


class StoreUnavailableError(DomainError):
    """The event store could not be reached or did not answer in time; nothing was written."""

    def __init__(self) -> None:
        super().__init__("the event store is unavailable")


class CommitFailedError(Exception):
    """The batch this command was in could not be saved, for a reason that is not the
    store's availability (logged where it happened); nothing of it was written."""


class ScheduleNotFoundError(NotFoundError):
    pass


class ScheduleIdTakenError(TakenError):
    def __init__(self, schedule_id: UUID) -> None:
        super().__init__(f"a scheduled event with id {schedule_id} already exists")


class ScheduleLimitReachedError(LimitReachedError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"a deployment has at most {limit} scheduled events; delete finished ones first"
        )


class ScheduleTimeInvalidError(DomainError):
    """A scheduled time that is not in the future, not in order, or too far ahead.
    ``field`` names the time refused: ``dttm_begin`` or ``dttm_end``."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(rule)
        self.field = field


class ScheduleOverlapError(StateConflictError):
    def __init__(self, other_id: str, begin: str, end: str) -> None:
        super().__init__(
            f"it overlaps scheduled event {other_id} ({begin} to {end}) of the same deployment"
        )


class ScheduleActiveError(StateConflictError):
    def __init__(self) -> None:
        super().__init__(
            "an ACTIVE scheduled event cannot be deleted; it can be once it has completed"
        )


class ScheduleNotEditableError(StateConflictError):
    def __init__(self, state: str) -> None:
        super().__init__(
            f"a scheduled event can be changed only while SCHEDULED; this one is {state}"
        )


class FunctionRevisionNotFoundError(NotFoundError):
    pass


class TestInputNotFoundError(NotFoundError):
    __test__ = False  # not a test class, whatever its name says


class TestInputIdTakenError(TakenError):
    __test__ = False

    def __init__(self, test_input_id: UUID) -> None:
        super().__init__(f"a test input with id {test_input_id} already exists")


class TestInputLimitReachedError(LimitReachedError):
    __test__ = False

    def __init__(self, limit: int) -> None:
        super().__init__(f"a function revision has at most {limit} test inputs")


class HandoverRefusedError(StateConflictError):
    """A rolling update whose preconditions do not hold; names each that fails."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__("rolling update refused: " + "; ".join(failures))
        self.failures = failures


class KeysetNotFoundError(DomainError):
    """A keyset that is not registered for the account (unknown, removed, or another
    account's: the same answer for all three)."""

    def __init__(self) -> None:
        super().__init__("Subscribe key not found")


class KeysetTakenError(TakenError):
    """The keyset id, or the subscribe key, is registered already (another account's, or
    another keyset's)."""


class KeysetInUseError(StateConflictError):
    """A keyset with running deployments cannot be removed."""


class CounterOutOfRangeError(DomainError):
    """The change would take a counter past the 64-bit signed range."""

    def __init__(self, value: int, delta: int) -> None:
        super().__init__(
            f"$.value: the counter is {value}; changing it by {delta} would pass the 64-bit "
            "range (-9223372036854775808 to 9223372036854775807)"
        )


class PackageBlueprintNotFoundError(NotFoundError):
    """Unknown, or retired: the catalog does not hold it."""


class BlueprintVersionNotNewerError(DomainError):
    """A blueprint can be published again only with a higher version."""

    def __init__(self, blueprint_id: UUID, version: str, published: str) -> None:
        super().__init__(
            f"blueprint {blueprint_id} has version {published} published already: "
            f"publish a higher version than {published} (not {version})"
        )
        self.blueprint_id = blueprint_id
        self.published = published


class BlueprintIdTakenError(TakenError):
    """A blueprint's, function blueprint's or parameter's id is another entity's already."""

    def __init__(self, entity_id: UUID, what: str) -> None:
        super().__init__(f"the {what} id {entity_id} is taken by another entity already")


class BlueprintParamsError(DomainError):
    """The ``params`` of an import do not fit its blueprint: names it does not have, or
    required vault parameters with neither a value nor a default."""

    def __init__(self, unknown: tuple[str, ...], missing: tuple[str, ...]) -> None:
        super().__init__(
            "the blueprint's parameters: "
            + "; ".join([*(f"{n}: unknown" for n in unknown), *(f"{n}: required" for n in missing)])
        )
        self.unknown = unknown
        self.missing = missing


class SecretNotFoundError(DomainError):
    """No secret of that key holds a value in the keyset."""

    def __init__(self) -> None:
        super().__init__("Secret not found")


class SecretsUnavailableError(DomainError):
    """The service runs without a master key (``FAAS_SECRETS_KEY_FILE``): it stores no
    secret."""

    def __init__(self) -> None:
        super().__init__("Secrets are not available: the service has no master key")
