"""The write side: one method per command; concurrent commands share transactions."""

from __future__ import annotations

import copy
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, ClassVar, TypeVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    Recording,
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
    ConflictError,
    DeploymentIdTakenError,
    DeploymentNotFoundError,
    LimitReachedError,
    PackageIdTakenError,
    PackageNotFoundError,
    RevisionIdTakenError,
    RevisionNotFoundError,
    StoreUnavailableError,
)
from commands.group_commit import UNREAD, Batch, Decide, Finish, Job, Writer, answers_together
from commands.idempotency import AnsweredBefore, Idempotency, IdempotencyRecord
from commands.ids import new_id
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
from commands.postgres_recorder import BatchAbortedError
from commands.streams import load_streams
from commands.transcoding import FastJSONTranscoder
from commands.write_lock import WriteLock, write_lock_for

T = TypeVar("T")
logger = logging.getLogger("faas.commands")
A = TypeVar("A")
# A job the batch decided: its answer once the log position is known, and its events.
Decided = tuple[Job[Any], Finish[Any], list[Any]]
# A job the domain refused, and why: answered only once the batch commits, because the refusal
# may rest on what an earlier command of the batch staged (a name it took).
Refused = tuple[Job[Any], BaseException]
REVISION = "revision"
DEPLOYMENT = "deployment"
# Attempts of a command whose streams other writers keep changing first, and the pause
# between them (random, up to this many seconds times the attempt number).
MAX_ATTEMPTS = 12
RETRY_PAUSE_SECONDS = 0.003
# A batch refused this many times is split: each command then meets only its own conflicts.
SPLIT_AFTER_CONFLICTS = 3
# Commands per transaction, at most (the events of a large batch make a long transaction).
MAX_BATCH = 256
# Aggregates kept between batches (one per active account).
COMMITTED_CACHE_SIZE = 10_000
# What a command's result says of the log position while the command is not yet committed.
UNCOMMITTED = 0


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


class CommitFailedError(Exception):
    """The batch this command was in could not be saved, for a reason that is not the
    store's availability (logged where it happened); nothing of it was written."""


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
        on_saved: Callable[[list[Recording[UUID]]], None] | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self.on_saved = on_saved
        # The batch the writer thread is deciding; other threads read only the store.
        self._local = threading.local()
        # Hot aggregates of snapshotted kinds (account usage) as this process last committed
        # them, brought up to date with one query when a batch needs them.
        self._committed: OrderedDict[UUID, Any] = OrderedDict()
        self.writer = Writer(self._run_batch, max_batch=MAX_BATCH)

        super().__init__(env)
        self._write_lock: WriteLock = write_lock_for(self.recorder)

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        # Only the settings we are given: the process environment must not
        # reconfigure the store behind the service's validated settings.
        return Environment(name, {**dict(env or {}), "IS_SNAPSHOTTING_ENABLED": "y"})

    def create_package(
        self,
        command: CreatePackage,
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> SavedPackage:
        """Save the package, its first revision, its functions and its name claim at once."""
        # Only ids a client chose can be taken already; random ones are new by construction.
        chosen = [i for i in (command.package_id, command.revision_id) if i is not None]
        package_id = command.package_id or new_id()
        revision_id = command.revision_id or new_id()
        command = replace(command, package_id=package_id, revision_id=revision_id)
        limit = self.limits.functions_per_revision
        claim_id = PackageName.id_for(context.account_id, command.name)

        def decide() -> Finish[SavedPackage]:
            package = Package.create(command, context, max_functions=limit)
            if package_id in chosen and self._stream_exists(package_id):
                if self._is_this_write(package):
                    # The same create again, after its answer was lost: the same result.
                    return partial(SavedPackage, package)
                raise PackageIdTakenError(package_id)
            if revision_id in chosen and self._stream_exists(revision_id):
                raise RevisionIdTakenError(revision_id)
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
            self._save(package, claim, locator, usage)
            return partial(SavedPackage, package)

        return self._command_once(decide, context, idempotency, (claim_id, *chosen))

    def update_package(self, command: UpdatePackage, context: CommandContext) -> SavedPackage:
        """Replace name, description and tags (those given); a new name is claimed and the
        old one released in the same transaction."""

        def decide() -> Finish[SavedPackage]:
            package = self._owned_package(command.package_id, context.account_id)
            check_version(command.expected_version, package.version)
            claims = self._claims_for_rename(package, command.name, context)
            package.update(command.name, command.description, command.tags, context)
            self._save(package, *claims)
            return partial(SavedPackage, package)

        return self._command(decide, context)

    def delete_package(self, command: DeletePackage, context: CommandContext) -> int:
        """Delete the package and its revisions, freeing its name; the log position."""

        def decide() -> Finish[int]:
            package = self._owned_package(command.package_id, context.account_id)
            check_version(command.expected_version, package.version)
            claim = self._get(PackageName, PackageName.id_for(package.account_id, package.name))
            if claim is not None and claim.package_id == str(package.id):
                claim.release(context)
            package.delete(context)
            usage = self._usage(context)
            usage.change(context, packages=-1)
            self._save(package, claim, usage)
            return at_position

        return self._command(decide, context)

    def add_revision(
        self,
        command: AddRevision,
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> SavedRevision:
        """A new revision of a package, with its functions."""
        revision_id = command.revision_id or new_id()
        limit = self.limits.functions_per_revision

        def decide() -> Finish[SavedRevision]:
            if self._stream_exists(revision_id):
                raise RevisionIdTakenError(revision_id)
            package = self._owned_package(command.package_id, context.account_id)
            check_function_limit(command.functions, limit)
            package.add_new_revision(
                command.name, command.description, command.functions, context, revision_id
            )
            locator = Locator.locate(revision_id, REVISION, package.id, context)
            self._save(package, locator)
            return partial(SavedRevision, package, str(revision_id))

        return self._command_once(decide, context, idempotency)

    def update_revision(self, command: UpdateRevision, context: CommandContext) -> SavedRevision:
        def decide() -> Finish[SavedRevision]:
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            check_version(command.expected_version, revision.version)
            package.update_revision(
                revision.revision_id, command.name, command.description, context
            )
            self._save(package)
            return partial(SavedRevision, package, revision.revision_id)

        return self._command(decide, context)

    def delete_revision(self, command: DeleteRevision, context: CommandContext) -> int:
        def decide() -> Finish[int]:
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            check_version(command.expected_version, revision.version)
            package.delete_revision(revision.revision_id, context)
            self._save(package)
            return at_position

        return self._command(decide, context)

    def create_deployment(
        self,
        command: CreateDeployment,
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> SavedDeployments:
        """Put a revision on a keyset, stopped."""
        deployment_id = command.deployment_id or new_id()
        limit = self.limits.deployments_per_revision

        def decide() -> Finish[SavedDeployments]:
            if self._stream_exists(deployment_id):
                raise DeploymentIdTakenError(deployment_id)
            package, revision = self._owned_revision(command.revision_id, context.account_id)
            package.deploy(deployment_id, revision.revision_id, command.keyset_id, limit, context)
            locator = Locator.locate(deployment_id, DEPLOYMENT, package.id, context)
            self._save(package, locator)
            return partial(SavedDeployments, package, [str(deployment_id)])

        return self._command_once(decide, context, idempotency)

    def deployment_keyset(self, deployment_id: UUID, account_id: int) -> int:
        """The keyset of one of the account's deployments (to check the caller's grant)."""
        with store_errors_as_unavailable():
            _, deployment = self._owned_deployment(deployment_id, account_id)
        return deployment.keyset_id

    def start_deployment(
        self,
        deployment_id: UUID,
        context: CommandContext,
        idempotency: Idempotency | None = None,
    ) -> SavedDeployments:
        """Start a deployment (restart it if running), within the account's running limit."""
        limit = self.limits.running_deployments_per_account

        def decide() -> Finish[SavedDeployments]:
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
            self._save(*changed)
            return partial(SavedDeployments, package, [deployment.deployment_id])

        return self._command_once(decide, context, idempotency)

    def stop_deployment(self, deployment_id: UUID, context: CommandContext) -> SavedDeployments:
        """Stop a deployment; stopping a stopped one changes nothing."""

        def decide() -> Finish[SavedDeployments]:
            package, deployment = self._owned_deployment(deployment_id, context.account_id)
            return self._stop(package, [deployment.deployment_id], context)

        return self._command(decide, context)

    def stop_all(
        self,
        context: CommandContext,
        package_id: UUID | None = None,
        revision_id: UUID | None = None,
    ) -> SavedDeployments:
        """Stop every running deployment of a package, or of one revision."""

        def decide() -> Finish[SavedDeployments]:
            if revision_id is not None:
                package, revision = self._owned_revision(revision_id, context.account_id)
                running = package.running_deployments(revision.revision_id)
            else:
                assert package_id is not None
                package = self._owned_package(package_id, context.account_id)
                running = package.running_deployments()
            return self._stop(package, [d.deployment_id for d in running], context)

        return self._command(decide, context)

    def delete_deployment(
        self, deployment_id: UUID, context: CommandContext, expected_version: int | None = None
    ) -> int:
        def decide() -> Finish[int]:
            package, deployment = self._owned_deployment(deployment_id, context.account_id)
            check_version(expected_version, deployment.version)
            package.remove_deployment(deployment.deployment_id, context)
            self._save(package)
            return at_position

        return self._command(decide, context)

    def _stop(
        self, package: Package, deployment_ids: list[str], context: CommandContext
    ) -> Finish[SavedDeployments]:
        stopped = [d for d in deployment_ids if package.stop(d, context)]
        if not stopped:
            return partial(SavedDeployments, package, deployment_ids)
        usage = self._usage(context)
        usage.change(context, running=-len(stopped))
        self._save(package, usage)
        return partial(SavedDeployments, package, stopped)

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

    def _command(
        self, decide: Decide[T], context: CommandContext, reads: tuple[UUID, ...] = ()
    ) -> T:
        """Run a command in the writer's next batch and wait for its answer (unless called
        through ``submit``). ``reads`` names streams it reads, to be read with those of the
        other commands of the batch."""
        future = self.writer.submit(decide, context.account_id, reads)
        if getattr(self._local, "submitting", False):
            self._local.submitted = future
            return cast(T, None)  # ``submit`` hands the caller the future instead
        return future.result()

    def submit(self, command: Callable[[], T]) -> Future[T]:
        """Start a command (a call of one of the command methods) without waiting for it:
        its answer, or its error, comes in the future. For callers that must not block,
        such as an event loop; the call itself does no I/O."""
        self._local.submitting = True
        self._local.submitted = None
        try:
            command()
        finally:
            self._local.submitting = False
        future: Future[T] | None = self._local.submitted
        if future is None:
            raise TypeError(f"{command!r} is not a command")
        return future

    def _command_once(
        self,
        decide: Decide[T],
        context: CommandContext,
        idempotency: Idempotency | None,
        reads: tuple[UUID, ...] = (),
    ) -> T:
        """A command that may carry an idempotency key (``AnsweredBefore`` if it was used
        before for the same request)."""
        if idempotency is None:
            return self._command(decide, context, reads)
        record_id = IdempotencyRecord.id_for(context.account_id, idempotency.scope, idempotency.key)
        return self._command(
            self._idempotent(decide, idempotency, record_id, context),
            context,
            (*reads, record_id),
        )

    def _idempotent(
        self,
        decide: Decide[T],
        idempotency: Idempotency,
        record_id: UUID,
        context: CommandContext,
    ) -> Decide[T]:
        """The command once per key: a repeat answers what the first answered; the record of
        the key is saved in the command's own transaction."""

        def decide_once() -> Finish[T]:
            if self._batch_changes(record_id):
                raise ConflictError(
                    "FAAS-1032", "a request with this Idempotency-Key is still in progress"
                )
            record = self._get(IdempotencyRecord, record_id)
            if record is not None and record.is_live(context.requested_at):
                if record.fingerprint != idempotency.fingerprint:
                    raise LimitReachedError(
                        "FAAS-1031", "this Idempotency-Key was used with another request"
                    )
                raise AnsweredBefore(record.response)
            finish = decide()
            # No answer carries a log position: the result rendered before the commit is
            # the one the client gets after it.
            response = idempotency.render(finish(UNCOMMITTED))
            self._save(IdempotencyRecord.record(record, idempotency, response, context))
            return finish

        return decide_once

    def _run_batch(self, jobs: list[Job[Any]], *, join: bool = True) -> None:
        """Decide the jobs and commit what they decided in one transaction. When another
        process changed the same streams first, decide them again on fresh state; when that
        keeps happening, give each job a transaction of its own, in order."""
        pending = jobs
        for attempt_number in range(MAX_ATTEMPTS):
            if attempt_number == SPLIT_AFTER_CONFLICTS and len(pending) > 1:
                for job in pending:
                    # Alone: a newer command of the account must not go before the rest.
                    with answers_together():
                        self._run_batch([job], join=False)
                return
            try:
                # The first attempt may take in commands that arrive meanwhile (appended to
                # ``jobs``, so that a failure answers them too).
                pending = self._decide_and_commit(pending, join=join and attempt_number == 0)
            except (OperationalError, InterfaceError, BatchAbortedError) as error:
                self._fail(pending, StoreUnavailableError, error)
                return
            except Exception as error:
                logger.exception("a batch of %d commands failed to commit", len(pending))
                self._fail(pending, CommitFailedError, error)
                return
            if not pending:
                return
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * (attempt_number + 1)))
        self._fail(pending, ConcurrentChangeError)

    def _decide_and_commit(self, jobs: list[Job[Any]], *, join: bool = False) -> list[Job[Any]]:
        """One attempt: answer every job, or return those to decide again (the store
        refused the batch, because other writers changed the same streams first). The
        accounts' write lock is held from the first read to the commit, no longer. With
        ``join``, commands of the same accounts that arrived while the lock was awaited are
        decided in this batch too (appended to ``jobs``)."""
        decided: list[Decided] = []
        refused: list[Refused] = []
        accounts = {job.account_id for job in jobs}
        try:
            with self._write_lock.hold(accounts):
                batch = self._decide(jobs, decided, refused, accounts if join else None)
                recordings = self.events.put(batch.events) if batch.events else []
                # A command that changed nothing answers at the head of the log: after this
                # batch's commit, its own last position (every position before has committed).
                if recordings:
                    head = max(recording.notification.id for recording in recordings)
                elif decided:
                    head = self.recorder.max_notification_id() or 0
        except IntegrityError:
            # Another process changed a stream first: what we keep may be stale too. Every
            # job is decided again, the refused ones too: their refusal may have rested on a
            # sibling that the next attempt refuses.
            self._committed.clear()
            return [job for job in jobs if not job.future.done()]
        except BaseException:
            self._committed.clear()
            raise
        if recordings:
            try:
                self._after_commit(batch)
                if self.on_saved is not None:
                    self.on_saved(recordings)
            except Exception:
                # The batch is committed: its commands succeeded, whatever happens here.
                logger.exception("after a commit of %d events", len(recordings))
        positions = {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }
        for job, finish, events in decided:
            if events:
                position = max(positions[e.originator_id, e.originator_version] for e in events)
            else:
                position = head
            job.future.set_result(finish(position))
        for job, error in refused:
            job.future.set_exception(error)
        return []

    def _decide(
        self,
        jobs: list[Job[Any]],
        decided: list[Decided],
        refused: list[Refused],
        joining: set[int] | None = None,
    ) -> Batch:
        """Decide each job on what the store holds and what the jobs before it changed; a
        job the domain refuses changes nothing, and its error waits for the batch's commit.
        With ``joining`` (the accounts whose lock the batch holds), the commands of those
        accounts waiting after the first read (by then the lock is held, when that read went
        to the store) join ``jobs``."""
        reads = {stream_id for job in jobs for stream_id in job.reads}
        # Account usage kept from earlier batches is brought up to date in the same query.
        usages = {AccountUsage.id_for(job.account_id) for job in jobs}
        known = {usage: self._committed[usage] for usage in usages if usage in self._committed}
        batch = Batch(load_streams(self.recorder, self.mapper, reads - known.keys(), known))
        if joining is not None:
            joined = self.writer.take_waiting(joining, MAX_BATCH - len(jobs))
            # In the batch from here on: whatever happens next answers them too.
            jobs.extend(joined)
            more = {stream_id for job in joined for stream_id in job.reads} - reads
            if more:
                batch.loaded.update(load_streams(self.recorder, self.mapper, more))
        self._local.batch = batch
        try:
            for job in jobs:
                try:
                    with store_errors_as_unavailable():
                        finish = job.decide()
                except BatchAbortedError:
                    raise  # the transaction is gone: so is the batch
                except StoreUnavailableError as error:
                    batch.discard()
                    job.future.set_exception(error)
                except BaseException as error:
                    batch.discard()
                    refused.append((job, error))
                else:
                    decided.append((job, finish, batch.keep()))
        finally:
            self._local.batch = None
        return batch

    def _after_commit(self, batch: Batch) -> None:
        """Keep what the batch left of the snapshotted kinds for the next batches, and
        snapshot those whose new events passed a multiple of their interval (from memory:
        a snapshot may be of any version)."""
        due: dict[UUID, Any] = {}
        for event in batch.events:
            aggregate = batch.aggregates[event.originator_id]
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is None:
                continue
            self._committed[aggregate.id] = aggregate
            self._committed.move_to_end(aggregate.id)
            if event.originator_version % interval == 0:
                due[aggregate.id] = aggregate
        while len(self._committed) > COMMITTED_CACHE_SIZE:
            self._committed.popitem(last=False)
        if due and self.snapshots is not None:
            self.snapshots.put([Snapshot.take(aggregate) for aggregate in due.values()])

    @staticmethod
    def _fail(
        jobs: list[Job[Any]],
        error: Callable[[], BaseException],
        cause: BaseException | None = None,
    ) -> None:
        """Answer each job still waiting with an error of its own (raised in its thread)."""
        for job in jobs:
            if not job.future.done():
                raised = error()
                raised.__cause__ = cause
                job.future.set_exception(raised)

    def _batch(self) -> Batch | None:
        """The batch this thread is deciding (only the writer's thread has one)."""
        batch: Batch | None = getattr(self._local, "batch", None)
        return batch

    def _batch_changes(self, stream_id: UUID) -> bool:
        batch = self._batch()
        return batch is not None and batch.changes(stream_id)

    def _get(self, kind: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, if this id is one of ``kind``: as the batch being decided left it,
        or from the store. Only snapshotted kinds go through the repository: for the others
        its snapshot lookup would be one more query for nothing."""
        batch = self._batch()
        found: object = UNREAD if batch is None else batch.get(aggregate_id)
        if found is not UNREAD:
            pass
        elif kind in self.snapshotting_intervals:
            kept = self._committed.get(aggregate_id)
            if kept is not None:
                # Another process may have changed it since: bring it up to date.
                found = copy.deepcopy(kept)
                for event in self.events.get(aggregate_id, gt=kept.version):
                    found = event.mutate(found)  # type: ignore[attr-defined]
            else:
                try:
                    found = self.repository.get(aggregate_id)
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
        batch = self._batch()
        known = None if batch is None else batch.exists(stream_id)
        if known is not None:
            return known
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

        def decide() -> Finish[tuple[ApiKey, str]]:
            # A copy each time: staging takes the key's pending events, and a batch may be
            # decided again.
            issued = copy.deepcopy(key)
            self._save(issued)
            return lambda _position: (issued, plain)

        return self._command(decide, context)

    def revoke_api_key(self, key_id: UUID, context: CommandContext) -> ApiKey:
        """Revoke a key; revoking a revoked key changes nothing."""

        def decide() -> Finish[ApiKey]:
            key = self._get(ApiKey, key_id)
            if key is None:
                raise ApiKeyNotFoundError(key_id)
            key.revoke(context)
            self._save(key)
            return lambda _position: key

        return self._command(decide, context)

    def _save(self, *aggregates: Any) -> None:
        """Put the aggregates' new events in the batch being decided: they are saved in its
        transaction, with those of the batch's other commands."""
        batch: Batch = self._local.batch
        for aggregate in aggregates:
            if aggregate is not None:
                batch.stage(aggregate)

    def close(self) -> None:
        self.writer.stop()
        super().close()


def at_position(position: int) -> int:
    return position
