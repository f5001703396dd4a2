"""The write side: one method per command, one ``save()`` (one transaction) per command."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Transcoder,
)
from eventsourcing.utils import Environment

from commands.commands import CommandContext, CreatePackage
from commands.errors import (
    ApiKeyNotFoundError,
    DomainError,
    PackageIdTakenError,
    PackageNameTakenError,
    StoreUnavailableError,
)
from commands.events import PackageCreated
from commands.keys import ApiKey, Grant
from commands.package import Package, PackageName
from commands.transcoding import FastJSONTranscoder


@dataclass(frozen=True, slots=True)
class Limits:
    functions_per_revision: int = 50


@dataclass(frozen=True, slots=True)
class SavedPackage:
    """A package as a command left it, and the log position of the command's last event."""

    package: Package
    position: int


@contextmanager
def store_errors_as_unavailable() -> Iterator[None]:
    """Lost connections, pool timeouts and lock timeouts mean: try again later."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        raise StoreUnavailableError from error


class PackagesApplication(Application[UUID]):
    """Handles package commands against the event store given by ``env``."""

    name = "Packages"

    def __init__(
        self,
        env: Mapping[str, str],
        limits: Limits | None = None,
        on_saved: Callable[[int], None] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.on_saved = on_saved
        super().__init__(env)

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings we are given: the process environment must not
        # reconfigure the store behind the service's validated settings.
        return Environment(name, dict(env or {}))

    def create_package(self, command: CreatePackage, context: CommandContext) -> SavedPackage:
        """Save the package, its first revision, its functions and its name claim at once."""
        package = Package.create(command, context, max_functions=self.limits.functions_per_revision)
        name_claim = PackageName.claim(command.name, package.id, context)
        created = package.pending_events[0]
        with store_errors_as_unavailable():
            try:
                position = self._save(package, name_claim)
            except IntegrityError:
                conflict = self._explain_conflict(created, command.name)
                if conflict is not None:
                    raise conflict from None
                # This very write is in the log already: the head is at or after it.
                position = self.recorder.max_notification_id() or 0
        return SavedPackage(package, position)

    def issue_api_key(
        self, name: str, grants: list[Grant], expires_at: str | None, context: CommandContext
    ) -> tuple[ApiKey, str]:
        """A new key for ``context.account_id``, and its plain form (never stored)."""
        key, plain = ApiKey.issue(name, grants, expires_at, context)
        with store_errors_as_unavailable():
            self._save(key)
        return key, plain

    def revoke_api_key(self, key_id: UUID, context: CommandContext) -> ApiKey:
        """Revoke a key; revoking a revoked key changes nothing."""
        with store_errors_as_unavailable():
            try:
                key: object = self.repository.get(key_id)
            except AggregateNotFoundError:
                raise ApiKeyNotFoundError(key_id) from None
            if not isinstance(key, ApiKey):
                raise ApiKeyNotFoundError(key_id)
            key.revoke(context)
            # Revoked at the same moment by someone else: the outcome is the same.
            with suppress(IntegrityError):
                self._save(key)
        return key

    def _save(self, *aggregates: Any) -> int:
        """Save in one transaction; returns the log position of the last event saved."""
        recordings = self.save(*aggregates)
        position = recordings[-1].notification.id
        if self.on_saved is not None:
            self.on_saved(position)
        return position

    def _explain_conflict(self, created: object, name: str) -> DomainError | None:
        """Which uniqueness rule a failed save broke; ``None`` when the stored package is
        this very write (a save retried after its commit was acknowledged but not heard)."""
        assert isinstance(created, PackageCreated)
        stored = list(self.events.get(created.originator_id, lte=Package.INITIAL_VERSION))
        if stored == [created]:
            return None
        if stored:
            return PackageIdTakenError(created.originator_id)
        return PackageNameTakenError(name)
