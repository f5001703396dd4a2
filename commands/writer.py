"""The writer: one thread per process that takes every job waiting in its queue and hands
them, as one batch, to ``run_batch``; a batch that waits for its accounts' lock may take in
the jobs of those accounts that arrive meanwhile (``take_waiting``)."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future
from itertools import chain
from typing import Any, Protocol, TypeVar

from commands.answering import answers_together

T = TypeVar("T")
logger = logging.getLogger("faas.commands")


class Queued(Protocol):
    """A job as the queue sees it: whose it is, and where its answer goes."""

    @property
    def account_id(self) -> int: ...

    @property
    def future(self) -> Future[Any]: ...


J = TypeVar("J", bound=Queued)


class Writer:
    """The queue of jobs and the thread that runs them, in batches, through ``run_batch``
    (which must answer every job it is given)."""

    def __init__(self, run_batch: Callable[[list[Any]], None], max_batch: int) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stopped = False
        # Taken from the queue by ``take_waiting`` but not joined to its batch: they open the
        # next one, before anything newer (only the writer thread touches this).
        self._held: deque[Any] = deque()

    def submit(self, job: J) -> J:
        """Queue the job (its answer comes in ``job.future``)."""
        with self._start_lock:
            if self._stopped:
                raise RuntimeError("the writer is stopped")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
                self._thread.start()
            self._queue.put(job)
        return job

    @property
    def stopped(self) -> bool:
        """Whether the writer has stopped taking jobs."""
        return self._stopped

    @property
    def backlog(self) -> int:
        """Jobs waiting for the next batch."""
        return self._queue.qsize() + len(self._held)

    def take_waiting(self, accounts: Collection[int], limit: int) -> list[Any]:
        """The jobs for ``accounts`` that arrived since the running batch was taken (at most
        ``limit``), for the batch to decide too: called once it holds their write lock, so
        that they need not wait for the next turn of the lock. Jobs of other accounts stay
        for the next batch, first in line."""
        joined: list[Any] = []
        if limit <= 0:
            return joined
        # Those held back before are older than anything queued: first, so that one
        # account's jobs are decided in the order they came.
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

    def _queued(self) -> Iterator[Any]:
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

    def _next(self, *, block: bool) -> Any:
        """The next job (``None``: stop); ``queue.Empty`` when not blocking and none."""
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
                    logger.exception("a batch of %d jobs failed", len(jobs))
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(error)
            if stopping:
                return


def _popped(items: deque[T]) -> Iterator[T]:
    """The items, each taken off the front as it is reached (those not reached stay)."""
    while items:
        yield items.popleft()
