"""Group commit: commands that arrive while a transaction commits share the next one.

One writer thread per process takes every command waiting in its queue, decides them one
after another against the store plus what the earlier commands of the batch changed, and
saves all their events in one transaction (one table lock, one fsync). A command the domain
refuses is answered with its error and leaves nothing in the batch. Commands of the batch's
accounts that arrive while it waits for their write lock join it (``Writer.take_waiting``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Generic, TypeVar
from uuid import UUID

T = TypeVar("T")

logger = logging.getLogger("faas.commands")

# Calls into event loops made while the writer thread answers a batch, kept per loop until
# the batch is answered: a loop is then woken once for the whole batch rather than once per
# command (each wake-up is a write to the loop's self-pipe and a turn of the loop).
_gathered = threading.local()
Call = tuple[Callable[..., object], tuple[object, ...]]

# A command decides; what it returns finishes its result once the log position of its last
# event is known (after the commit).
Finish = Callable[[int], T]
Decide = Callable[[], Finish[T]]


@dataclass(slots=True)
class Job(Generic[T]):
    decide: Decide[T]
    # The account the command acts for (its batch holds the account's write lock).
    account_id: int = 0
    # Streams the command will read: the batch reads those of all its commands at once.
    reads: tuple[UUID, ...] = ()
    future: Future[T] = field(default_factory=Future)


# What ``Batch.get`` answers for a stream the batch has not read.
UNREAD = object()


class Batch:
    """The aggregates the decided commands of one batch change, with their events in the
    order of the commands; and the changes of the command being decided, until it is kept
    or discarded."""

    def __init__(self, loaded: dict[UUID, Any] | None = None) -> None:
        # Streams read for the batch, as the store has them (None: no such stream).
        self.loaded = loaded or {}
        self.aggregates: dict[UUID, Any] = {}
        self.events: list[Any] = []
        self._command_aggregates: dict[UUID, Any] = {}
        self._command_events: list[Any] = []

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate as the batch has it so far: the command's own copy, a fresh copy of
        what earlier commands left (so a refused command changes nothing shared), or as it
        was read for the batch (once: a command that changes it stages it); else UNREAD."""
        found = self._command_aggregates.get(aggregate_id)
        if found is not None:
            return found
        kept = self.aggregates.get(aggregate_id)
        if kept is not None:
            return copy.deepcopy(kept)
        return self.loaded.pop(aggregate_id, UNREAD)

    def changes(self, aggregate_id: UUID) -> bool:
        """Whether a command of the batch (decided or being decided) changes this stream."""
        return aggregate_id in self._command_aggregates or aggregate_id in self.aggregates

    def exists(self, aggregate_id: UUID) -> bool | None:
        """Whether the stream exists, as far as the batch knows (None: it does not know)."""
        if self.changes(aggregate_id):
            return True
        if aggregate_id in self.loaded:
            return self.loaded[aggregate_id] is not None
        return None

    def stage(self, aggregate: Any) -> None:
        self._command_events.extend(aggregate.collect_events())
        self._command_aggregates[aggregate.id] = aggregate

    def keep(self) -> list[Any]:
        """The command is decided: its changes join the batch. Returns its events."""
        events = self._command_events
        self.aggregates.update(self._command_aggregates)
        self.events.extend(events)
        self.discard()
        return events

    def discard(self) -> None:
        self._command_aggregates = {}
        self._command_events = []


class Writer:
    """The queue of commands and the thread that runs them, in batches, through
    ``run_batch`` (which must answer every job it is given)."""

    def __init__(self, run_batch: Callable[[list[Job[Any]]], None], max_batch: int) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Job[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stopped = False
        # Taken from the queue by ``take_waiting`` but not joined to its batch: they open the
        # next one, before anything newer (only the writer thread touches this).
        self._held: deque[Job[Any] | None] = deque()

    def submit(self, decide: Decide[T], account_id: int, reads: tuple[UUID, ...] = ()) -> Future[T]:
        job: Job[T] = Job(decide, account_id, reads)
        with self._start_lock:
            if self._stopped:
                raise RuntimeError("the writer is stopped")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
                self._thread.start()
            self._queue.put(job)
        return job.future

    @property
    def stopped(self) -> bool:
        """Whether the writer has stopped taking commands."""
        return self._stopped

    @property
    def backlog(self) -> int:
        """Commands waiting for the next batch."""
        return self._queue.qsize() + len(self._held)

    def take_waiting(self, accounts: Collection[int], limit: int) -> list[Job[Any]]:
        """The commands for ``accounts`` that arrived since the running batch was taken (at
        most ``limit``), for the batch to decide too: called once it holds their write lock,
        so that they need not wait for the next turn of the lock. Commands of other accounts
        stay for the next batch, first in line."""
        joined: list[Job[Any]] = []
        if limit <= 0:
            return joined
        # Those held back before are older than anything queued: first, so that one
        # account's commands are decided in the order they came.
        held, self._held = self._held, deque()
        for job in chain(_popped(held), self._queued()):
            if job is None or job.account_id not in accounts:
                self._held.append(job)
                if job is None:
                    break
            elif job.future.set_running_or_notify_cancel():
                joined.append(job)
                if len(joined) == limit:
                    break
        self._held.extend(held)  # those not looked at
        return joined

    def _queued(self) -> Iterator[Job[Any] | None]:
        """What waits in the queue now, taken one at a time."""
        while True:
            try:
                yield self._queue.get_nowait()
            except queue.Empty:
                return

    def stop(self, timeout: float | None = None) -> None:
        """Answer what is queued, then stop."""
        with self._start_lock:
            self._stopped = True
            thread = self._thread
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout)

    def _next(self, *, block: bool) -> Job[Any] | None:
        """The next command (``None``: stop); ``queue.Empty`` when not blocking and none."""
        if self._held:
            return self._held.popleft()
        return self._queue.get() if block else self._queue.get_nowait()

    def _run(self) -> None:
        while True:
            first = self._next(block=True)
            if first is None:
                return
            taken = [first]
            stopping = False
            while len(taken) < self._max_batch:
                try:
                    job = self._next(block=False)
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                taken.append(job)
            # A job whose caller gave up (its future cancelled) is dropped here; the others
            # can no longer be cancelled, so answering them never fails.
            jobs = [job for job in taken if job.future.set_running_or_notify_cancel()]
            with answers_together():
                try:
                    self._run_batch(jobs)
                except BaseException as error:  # the thread must outlive any bug in one batch
                    logger.exception("a batch of %d commands failed", len(jobs))
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(error)
            if stopping:
                return


async def answered(answer: Future[T]) -> T:
    """Await a command's answer on the running event loop (``asyncio.wrap_future``, with the
    loop's wake-up shared by the answers of a batch)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()
    answer.add_done_callback(lambda done: call_soon_in(loop, _settle, waiter, done))
    try:
        return await waiter
    except asyncio.CancelledError:
        answer.cancel()  # dropped by the writer unless a batch has taken it already
        raise


def _settle(waiter: asyncio.Future[T], answer: Future[T]) -> None:
    if waiter.done():
        return
    if answer.cancelled():
        waiter.cancel()
    elif (error := answer.exception()) is not None:
        waiter.set_exception(error)
    else:
        waiter.set_result(answer.result())


def call_soon_in(
    loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object
) -> None:
    """``loop.call_soon_threadsafe(callback, *args)``, or, inside ``answers_together``,
    together with the block's other calls into ``loop``. A closed loop (its server gone) is
    not called."""
    gathered: dict[asyncio.AbstractEventLoop, list[Call]] | None = getattr(_gathered, "calls", None)
    if gathered is not None:
        gathered.setdefault(loop, []).append((callback, args))
    else:
        _call_soon(loop, callback, *args)


@contextmanager
def answers_together() -> Iterator[None]:
    """Calls into event loops that this thread makes meanwhile (answers to commands) leave
    together at the end: one wake-up per loop. Nested, the inner block's calls leave at its
    own end (a batch split into transactions of one command answers each as it commits)."""
    outer = getattr(_gathered, "calls", None)
    gathered: dict[asyncio.AbstractEventLoop, list[Call]] = {}
    _gathered.calls = gathered
    try:
        yield
    finally:
        _gathered.calls = outer
        for loop, calls in gathered.items():
            _call_soon(loop, _call_each, calls)


def _call_soon(
    loop: asyncio.AbstractEventLoop, callback: Callable[..., object], *args: object
) -> None:
    # A loop closes when its server stops: its requests are gone, and nothing waits.
    with suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _call_each(calls: list[Call]) -> None:
    for callback, args in calls:
        try:
            callback(*args)
        except Exception:  # one caller's failure must not keep the others waiting
            logger.exception("answering a command")


def _popped(items: deque[T]) -> Iterator[T]:
    """The items, each taken off the front as it is reached (those not reached stay)."""
    while items:
        yield items.popleft()
