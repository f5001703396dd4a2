"""Group commit: commands that arrive while a transaction commits share the next one.

One writer thread per process takes every command waiting (``commands/writer.py``), holds
their accounts' write lock, reads the streams they declared in one query, decides them one
after another, each with a unit of work that sees what the earlier ones of the batch changed,
and saves all their events in one transaction (one table lock, one fsync). A command the
domain refuses is answered with its error and leaves nothing in the batch. When another
process changed the same streams first, the batch is decided again on fresh state; when that
keeps happening, each command gets a transaction of its own. A command may carry an
idempotency key: its record is saved with its events, and a repeat is answered from it.

The engine knows nothing of what the commands are about: it runs ``decide(uow)``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, Recording

from commands.answering import answers_together
from commands.batch import Batch, BatchUnitOfWork
from commands.context import CommandContext
from commands.errors import (
    CommitFailedError,
    ConcurrentChangeError,
    IdempotencyKeyInProgressError,
    IdempotencyKeyReusedError,
    StoreUnavailableError,
)
from commands.idempotency import AnsweredBefore, Idempotency, IdempotencyRecord
from commands.persistence import BatchAbortedError
from commands.streams import StoredStreams
from commands.unit_of_work import UnitOfWork
from commands.writer import Writer

R = TypeVar("R")
logger = logging.getLogger("faas.commands")

# Attempts of a command whose streams other writers keep changing first, and the pause
# between them (random, up to this many seconds times the attempt number).
MAX_ATTEMPTS = 12
RETRY_PAUSE_SECONDS = 0.003
# A batch refused this many times is split: each command then meets only its own conflicts.
SPLIT_AFTER_CONFLICTS = 3
# Commands per transaction, at most (the events of a large batch make a long transaction).
MAX_BATCH = 256

Decision = Callable[[UnitOfWork], R]


@dataclass(frozen=True, slots=True)
class Committed(Generic[R]):
    """A command's result, and the log position of its last event once it committed (for a
    command that changed nothing: the head of the log after its batch)."""

    value: R
    position: int


@dataclass(slots=True)
class Job(Generic[R]):
    decide: Decision[R]
    context: CommandContext
    # Streams the command will read: the batch reads those of all its commands at once.
    reads: tuple[UUID, ...] = ()
    idempotency: Idempotency | None = None
    future: Future[Committed[R]] = field(default_factory=Future)

    @property
    def account_id(self) -> int:
        """The account whose write lock the command's batch holds."""
        return self.context.account_id


# A job the batch decided: its result and its events; one the domain refused, and why
# (answered only once the batch commits: the refusal may rest on what an earlier command of
# the batch staged, such as a name it took).
Decided = tuple[Job[Any], Any, list[Any]]
Refused = tuple[Job[Any], BaseException]


@contextmanager
def store_errors_as_unavailable() -> Iterator[None]:
    """Lost connections, pool timeouts and lock timeouts mean: try again later."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        raise StoreUnavailableError from error


class GroupCommit:
    """Runs decisions in batches against ``store`` (an event-sourced application whose
    recorder is one of ``commands.persistence``'s)."""

    def __init__(
        self,
        store: Application[UUID],
        *,
        on_saved: Callable[[list[Recording[UUID]]], None] | None = None,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._store = store
        self.streams = StoredStreams(store)
        self._lock = self.streams.recorder.write_lock()
        self._max_batch = max_batch
        self.on_saved = on_saved
        self.writer = Writer(self._run_batch, max_batch)

    def submit(
        self,
        decide: Decision[R],
        context: CommandContext,
        reads: tuple[UUID, ...] = (),
        idempotency: Idempotency | None = None,
    ) -> Future[Committed[R]]:
        """Queue a decision for the next batch; its answer, or its error, comes in the
        future (``AnsweredBefore`` for a repeat of an idempotency key)."""
        if idempotency is not None:
            record_id = IdempotencyRecord.id_for(
                context.account_id, idempotency.scope, idempotency.key
            )
            reads = (*reads, record_id)
        return self.writer.submit(Job(decide, context, reads, idempotency)).future

    def stop(self) -> None:
        """Answer what is queued, then stop taking commands."""
        self.writer.stop()

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
                _fail(pending, StoreUnavailableError, error)
                return
            except Exception as error:
                logger.exception("a batch of %d commands failed to commit", len(pending))
                _fail(pending, CommitFailedError, error)
                return
            if not pending:
                return
            time.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * (attempt_number + 1)))
        _fail(pending, ConcurrentChangeError)

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
            with self._lock.hold(accounts):
                batch = self._decide(jobs, decided, refused, accounts if join else None)
                recordings = self._save(batch)
                # A command that changed nothing answers at the head of the log: after this
                # batch's commit, its own last position (every position before has committed).
                if recordings:
                    head = max(recording.notification.id for recording in recordings)
                elif decided:
                    head = self.streams.recorder.max_notification_id() or 0
        except IntegrityError:
            # Another process changed a stream first: what we keep may be stale too. Every
            # job is decided again, the refused ones too: their refusal may have rested on a
            # sibling that the next attempt refuses.
            self.streams.forget()
            return [job for job in jobs if not job.future.done()]
        except BaseException:
            self.streams.forget()
            raise
        if recordings:
            self._after_commit(batch, recordings)
        positions = {
            (r.domain_event.originator_id, r.domain_event.originator_version): r.notification.id
            for r in recordings
        }
        for job, value, events in decided:
            if events:
                position = max(positions[e.originator_id, e.originator_version] for e in events)
            else:
                position = head
            job.future.set_result(Committed(value, position))
        for job, error in refused:
            job.future.set_exception(error)
        return []

    def _save(self, batch: Batch) -> list[Recording[UUID]]:
        """The batch's events, and its side writes in the same transaction."""
        if not batch.events:
            if batch.side_writes:
                raise RuntimeError("side writes come with the events of their command")
            return []
        with self.streams.recorder.also_writing(batch.side_writes):
            return self._store.events.put(batch.events)

    def _after_commit(self, batch: Batch, recordings: list[Recording[UUID]]) -> None:
        try:
            self.streams.remember(batch)
            if self.on_saved is not None:
                self.on_saved(recordings)
        except Exception:
            # The batch is committed: its commands succeeded, whatever happens here.
            logger.exception("after a commit of %d events", len(recordings))

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
        batch = Batch(self.streams.prefetch(reads))
        if joining is not None:
            joined = self.writer.take_waiting(joining, self._max_batch - len(jobs))
            # In the batch from here on: whatever happens next answers them too.
            jobs.extend(joined)
            more = {stream_id for job in joined for stream_id in job.reads} - reads
            if more:
                batch.loaded.update(self.streams.prefetch(more))
        for job in jobs:
            uow = BatchUnitOfWork(batch, job.context, self.streams)
            try:
                with store_errors_as_unavailable():
                    value = _decide_once(job, uow, batch)
            except BatchAbortedError:
                raise  # the transaction is gone: so is the batch
            except StoreUnavailableError as error:
                batch.discard()
                job.future.set_exception(error)
            except BaseException as error:
                batch.discard()
                refused.append((job, error))
            else:
                decided.append((job, value, batch.keep()))
        return batch


def _decide_once(job: Job[R], uow: UnitOfWork, batch: Batch) -> R:
    """The job's decision; with an idempotency key, once per key: a repeat answers what the
    first answered, and the key's record is saved in the command's own transaction."""
    once = job.idempotency
    if once is None:
        return job.decide(uow)
    record_id = IdempotencyRecord.id_for(job.account_id, once.scope, once.key)
    if batch.changes(record_id):
        raise IdempotencyKeyInProgressError
    record = uow.get(IdempotencyRecord, record_id)
    if record is not None and record.is_live(job.context.requested_at):
        if record.fingerprint != once.fingerprint:
            raise IdempotencyKeyReusedError
        raise AnsweredBefore(record.response)
    value = job.decide(uow)
    uow.stage(IdempotencyRecord.record(record, once, once.render(value), job.context))
    return value


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
