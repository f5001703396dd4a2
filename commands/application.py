"""The write side: one method per command, one ``save()`` (one transaction) per command."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Transcoder,
)
from eventsourcing.utils import Environment

from commands.commands import (
    AddRevision,
    CommandContext,
    CreateDeployment,
    CreatePackage,
    DeletePackage,
    DeleteRevision,
    UpdatePackage,
    UpdateRevision,
)
from commands.errors import (
    ApiKeyNotFoundError,
    ConcurrentChangeError,
    DeploymentIdTakenError,
    DeploymentNotFoundError,
    LimitReachedError,
    PackageIdTakenError,
    PackageNotFoundError,
    RevisionIdTakenError,
    RevisionNotFoundError,
    StoreUnavailableError,
)
from commands.keys import ApiKey, Grant
from commands.package import (
    AccountUsage,
    Deployment,
    Locator,
    Package,
    PackageName,
    Revision,
    check_function_limit,
    check_version,
)
from commands.transcoding import FastJSONTranscoder

T = TypeVar("T")
A = TypeVar("A")
REVISION = "revision"
DEPLOYMENT = "deployment"
# Attempts of a command whose streams other writers keep changing first, and the pause
# between them (random, up to this many seconds times the attempt number).
MAX_ATTEMPTS = 12
RETRY_PAUSE_SECONDS = 0.003


@dataclass(frozen=True, slots=True)
class Limits:
    functions_per_revision: int = 50
    packages_per_account: int = 1000
    deployments_per_revision: int = 30
    running_deployments_per_account: int = 100


@dataclass(frozen=True, slots=True)
class SavedPackage:
    """A package as a command left it, and the log position of the command's last event."""

    package: Package
    position: int


@dataclass(frozen=True, slots=True)
class SavedRevision:
    package: Package
    revision_id: str
    position: int


@dataclass(frozen=True, slots=True)
class SavedDeployments:
    """Deployments as a command left them (one, or those a bulk stop stopped)."""

    package: Package
    deployment_ids: list[str]
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
    # The usage stream changes with every create and start: load it from a recent snapshot.
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {AccountUsage: 100}
    snapshot_class = Snapshot

    def __init__(
        self,
        env: Mapping[str, str],
        limits: Limits | None = None,
        on_saved: Callable[[int], None] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.on_saved = on_saved
        self._account_locks: dict[int, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        super().__init__(env)

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings we are given: the process environment must not
        # reconfigure the store behind the service's validated settings.
        return Environment(name, {**dict(env or {}), "IS_SNAPSHOTTING_ENABLED": "y"})

    def create_package(self, command: CreatePackage, context: CommandContext) -> SavedPackage:
        """Save the package, its first revision, its functions and its name claim at once."""
        # Only ids a client chose can be taken already; random ones are new by construction.
        chosen = [i for i in (command.package_id, command.revision_id) if i is not None]
        package_id = command.package_id or uuid4()
        revision_id = command.revision_id or uuid4()
        command = replace(command, package_id=package_id, revision_id=revision_id)
        limit = self.limits.functions_per_revision

        def attempt() -> SavedPackage:
            package = Package.create(command, context, max_functions=limit)
            if package_id in chosen and self._stream_exists(package_id):
                if self._is_this_write(package):
                    # The same create again, after its answer was lost: the same result.
                    return SavedPackage(package, self.recorder.max_notification_id() or 0)
                raise PackageIdTakenError(package_id)
            if revision_id in chosen and self._stream_exists(revision_id):
                raise RevisionIdTakenError(revision_id)
            claim_id = PackageName.id_for(context.account_id, command.name)
            claim = PackageName.claim_or_reclaim(
                self._get(PackageName, claim_id), command.name, package_id, context
            )
            locator = Locator.locate(revision_id, REVISION, package_id, context)
            usage = self._usage(context)
            if usage.packages >= self.limits.packages_per_account:
                raise LimitReachedError(
                    "FAAS-1005",
                    f"the account has {self.limits.packages_per_account} packages, its limit",
                )
            usage.change(context, packages=1)
            return SavedPackage(package, self._save(package, claim, locator, usage))

        return self._attempt(attempt, context.account_id)

    def update_package(self, command: UpdatePackage, context: CommandContext) -> SavedPackage:
        """Replace name, description and tags (those given); a new name is claimed and the
        old one released in the same transaction."""

        def attempt() -> SavedPackage:
            package = self._owned_package(command.package_id, context.account_id)
            check_version(command.expected_version, package.version)
            claims = self._claims_for_rename(package, command.name, context)
            package.update(command.name, command.description, command.tags, context)
            return SavedPackage(package, self._save(package, *claims))

        return self._attempt(attempt, context.account_id)

    def delete_package(self, command: DeletePackage, context: CommandContext) -> int:
        """Delete the package and its revisions, freeing its name; the log position."""

        def attempt() -> int:
            package = self._owned_package(command.package_id, context.account_id)
            check_version(command.expected_version, package.version)
            claim = self._get(PackageName, PackageName.id_for(package.account_id, package.name))
            if claim is not None and claim.package_id == str(package.id):
                claim.release(context)
            package.delete(context)
            usage = self._usage(context)
            usage.change(context, packages=-1)
            return self._save(package, claim, usage)

        return self._attempt(attempt, context.account_id)

    def add_revision(self, command: AddRevision, context: CommandContext) -> SavedRevision:
        """A new revision of a package, with its functions."""
        revision_id = command.revision_id or uuid4()
        limit = self.limits.functions_per_revision

        def attempt() -> SavedRevision:
            if self._stream_exists(revision_id):
                raise RevisionIdTakenError(revision_id)
            package = self._owned_package(command.package_id, context.account_id)
            check_function_limit(command.functions, limit)
            package.add_new_revision(
                command.name, command.description, command.functions, context, revision_id
            )
            locator = Locator.locate(revision_id, REVISION, package.id, context)
            position = self._save(package, locator)
            return SavedRevision(package, str(revision_id), position)

        return self._attempt(attempt, context.account_id)

    def update_revision(self, command: UpdateRevision, context: CommandContext) -> SavedRevision:
        def attempt() -> SavedRevision:
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            check_version(command.expected_version, revision.version)
            package.update_revision(
                revision.revision_id, command.name, command.description, context
            )
            return SavedRevision(package, revision.revision_id, self._save(package))

        return self._attempt(attempt, context.account_id)

    def delete_revision(self, command: DeleteRevision, context: CommandContext) -> int:
        def attempt() -> int:
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            check_version(command.expected_version, revision.version)
            package.delete_revision(revision.revision_id, context)
            return self._save(package)

        return self._attempt(attempt, context.account_id)

    def create_deployment(
        self, command: CreateDeployment, context: CommandContext
    ) -> SavedDeployments:
        """Put a revision on a keyset, stopped."""
        deployment_id = command.deployment_id or uuid4()
        limit = self.limits.deployments_per_revision

        def attempt() -> SavedDeployments:
            if self._stream_exists(deployment_id):
                raise DeploymentIdTakenError(deployment_id)
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            package.deploy(deployment_id, revision.revision_id, command.keyset_id, limit, context)
            locator = Locator.locate(deployment_id, DEPLOYMENT, package.id, context)
            position = self._save(package, locator)
            return SavedDeployments(package, [str(deployment_id)], position)

        return self._attempt(attempt, context.account_id)

    def deployment_keyset(self, deployment_id: UUID, account_id: int) -> int:
        """The keyset of one of the account's deployments (to check the caller's grant)."""
        with store_errors_as_unavailable():
            _, deployment = self._owned_deployment(deployment_id, account_id)
        return deployment.keyset_id

    def start_deployment(self, deployment_id: UUID, context: CommandContext) -> SavedDeployments:
        """Start a deployment (restart it if running), within the account's running limit."""
        limit = self.limits.running_deployments_per_account

        def attempt() -> SavedDeployments:
            package, deployment = self._owned_deployment(deployment_id, context.account_id)
            changed: list[Any] = [package]
            if not deployment.running:
                usage = self._usage(context)
                if usage.running >= limit:
                    raise LimitReachedError(
                        "FAAS-1033", f"the account has {limit} running deployments, its limit"
                    )
                usage.change(context, running=1)
                changed.append(usage)
            package.start(deployment.deployment_id, context)
            return SavedDeployments(package, [deployment.deployment_id], self._save(*changed))

        return self._attempt(attempt, context.account_id)

    def stop_deployment(self, deployment_id: UUID, context: CommandContext) -> SavedDeployments:
        """Stop a deployment; stopping a stopped one changes nothing."""

        def attempt() -> SavedDeployments:
            package, deployment = self._owned_deployment(deployment_id, context.account_id)
            return self._stop(package, [deployment.deployment_id], context)

        return self._attempt(attempt, context.account_id)

    def stop_all(
        self,
        context: CommandContext,
        package_id: UUID | None = None,
        revision_id: UUID | None = None,
    ) -> SavedDeployments:
        """Stop every running deployment of a package, or of one revision."""

        def attempt() -> SavedDeployments:
            if revision_id is not None:
                package, revision = self._owned_revision(revision_id, context.account_id)
                running = package.running_deployments(revision.revision_id)
            else:
                assert package_id is not None
                package = self._owned_package(package_id, context.account_id)
                running = package.running_deployments()
            return self._stop(package, [d.deployment_id for d in running], context)

        return self._attempt(attempt, context.account_id)

    def delete_deployment(
        self, deployment_id: UUID, context: CommandContext, expected_version: int | None = None
    ) -> int:
        def attempt() -> int:
            package, deployment = self._owned_deployment(deployment_id, context.account_id)
            check_version(expected_version, deployment.version)
            package.remove_deployment(deployment.deployment_id, context)
            return self._save(package)

        return self._attempt(attempt, context.account_id)

    def _stop(
        self, package: Package, deployment_ids: list[str], context: CommandContext
    ) -> SavedDeployments:
        stopped = [d for d in deployment_ids if package.stop(d, context)]
        if not stopped:
            head = self.recorder.max_notification_id() or 0
            return SavedDeployments(package, deployment_ids, head)
        usage = self._usage(context)
        usage.change(context, running=-len(stopped))
        return SavedDeployments(package, stopped, self._save(package, usage))

    def _usage(self, context: CommandContext) -> AccountUsage:
        existing = self._get(AccountUsage, AccountUsage.id_for(context.account_id))
        return AccountUsage.open(existing, context)

    def _owned_deployment(self, deployment_id: UUID, account_id: int) -> tuple[Package, Deployment]:
        package = self._holder(deployment_id, DEPLOYMENT, account_id)
        deployment = None if package is None else package.deployments.get(str(deployment_id))
        if package is None or deployment is None:
            raise DeploymentNotFoundError
        return package, deployment

    def _holder(self, entity_id: UUID, kind: str, account_id: int) -> Package | None:
        """The account's live package that holds a revision or deployment, if any."""
        locator = self._get(Locator, entity_id)
        if locator is None or locator.kind != kind:
            return None
        try:
            return self._owned_package(UUID(locator.package_id), account_id)
        except PackageNotFoundError:
            return None

    def _attempt(self, attempt: Callable[[], T], account_id: int) -> T:
        """Run a command; when another writer changed the same streams first (the store
        refuses the save), decide again on fresh state, after a short random pause.

        Commands of one account take turns within this process (they share the account's
        usage stream, and would otherwise mostly refuse each other); across processes the
        store's version check decides, and the pauses spread the retries."""
        with self._account_lock(account_id), store_errors_as_unavailable():
            for attempt_number in range(MAX_ATTEMPTS):
                try:
                    return attempt()
                except IntegrityError:
                    time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * (attempt_number + 1)))
        raise ConcurrentChangeError

    def _account_lock(self, account_id: int) -> threading.Lock:
        with self._locks_lock:
            return self._account_locks.setdefault(account_id, threading.Lock())

    def _get(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, if this id is one of ``kind``. Only snapshotted kinds go through the
        repository: for the others its snapshot lookup would be one more query for nothing."""
        if kind in self.snapshotting_intervals:
            try:
                found: object = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        else:
            found = None
            for event in self.events.get(aggregate_id):
                found = event.mutate(found)  # type: ignore[attr-defined]
        return found if isinstance(found, kind) else None

    def _owned_package(self, package_id: UUID, account_id: int) -> Package:
        """The account's package; unknown, deleted and other accounts' alike are not found."""
        package = self._get(Package, package_id)
        if package is None or package.deleted or package.account_id != account_id:
            raise PackageNotFoundError
        return package

    def _owned_revision(self, revision_id: UUID, account_id: int) -> tuple[Package, Revision]:
        package = self._holder(revision_id, REVISION, account_id)
        revision = None if package is None else package.revisions.get(str(revision_id))
        if package is None or revision is None:
            raise RevisionNotFoundError
        return package, revision

    def _claims_for_rename(
        self, package: Package, new_name: str | None, context: CommandContext
    ) -> list[PackageName]:
        """The name claims a rename changes: the new one taken, the old one released."""
        if new_name is None or PackageName.key(new_name) == PackageName.key(package.name):
            return []
        account = package.account_id
        new = PackageName.claim_or_reclaim(
            self._get(PackageName, PackageName.id_for(account, new_name)),
            new_name,
            package.id,
            context,
        )
        old = self._get(PackageName, PackageName.id_for(account, package.name))
        if old is None or old.package_id != str(package.id):
            return [new]
        old.release(context)
        return [new, old]

    def _stream_exists(self, stream_id: UUID) -> bool:
        """Whether any stream, of any kind, has this id (client-chosen ids must be new)."""
        return bool(self.recorder.select_events(stream_id, limit=1))

    def _is_this_write(self, package: Package) -> bool:
        """Whether the stored creation of this package is exactly the one in hand."""
        created = package.pending_events[0]
        stored = list(self.events.get(package.id, lte=Package.INITIAL_VERSION))
        return stored == [created]

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
