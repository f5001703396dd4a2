"""Named domain errors: what the write side refuses, and why."""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """A command that the domain refuses; nothing was written."""


class PackageIdTakenError(DomainError):
    def __init__(self, package_id: UUID) -> None:
        super().__init__(f"a package with id {package_id} already exists")
        self.package_id = package_id


class PackageNameTakenError(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"the account already has a package named {name!r}")
        self.name = name


class FunctionLimitExceededError(DomainError):
    def __init__(self, limit: int, requested: int) -> None:
        super().__init__(f"a revision holds at most {limit} functions; {requested} were given")
        self.limit = limit
        self.requested = requested


class StoreUnavailableError(DomainError):
    """The event store could not be reached or did not answer in time; nothing was written."""

    def __init__(self) -> None:
        super().__init__("the event store is unavailable")


class ApiKeyNotFoundError(DomainError):
    def __init__(self, key_id: UUID) -> None:
        super().__init__(f"no API key with id {key_id}")
        self.key_id = key_id


class PackageNotFoundError(DomainError):
    """Unknown, deleted, or another account's: the same answer for all three."""

    def __init__(self) -> None:
        super().__init__("Entity not found")


class RevisionNotFoundError(DomainError):
    def __init__(self) -> None:
        super().__init__("Entity not found")


class RevisionIdTakenError(DomainError):
    def __init__(self, revision_id: UUID) -> None:
        super().__init__(f"a package revision with id {revision_id} already exists")


class VersionMismatchError(DomainError):
    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"If-Match names version {expected}; the current version is {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrentChangeError(DomainError):
    """Other writers kept changing the same package; the command gave up, writing nothing."""

    def __init__(self) -> None:
        super().__init__("the package kept changing under this command; retry")


class LimitReachedError(DomainError):
    """An account, revision or package limit that the command would pass."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ConflictError(DomainError):
    """A rule about the current state (running deployments, one per keyset) forbids it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DeploymentNotFoundError(DomainError):
    def __init__(self) -> None:
        super().__init__("Entity not found")


class DeploymentIdTakenError(DomainError):
    def __init__(self, deployment_id: UUID) -> None:
        super().__init__(f"a package deployment with id {deployment_id} already exists")
