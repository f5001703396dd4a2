"""The event store's store-specific parts, one module per store, chosen once by the
library's factory (``PERSISTENCE_MODULE``): the recorder, the write lock, and the reads the
write side and the read side make beyond the library's own. No SQL lives elsewhere in
``commands/``.

A row of the log is ``(position, stream id, version, topic, state)``; a row of a stream read
for a batch is ``(stream id, version, topic, state)``.
"""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder

LogRow = tuple[int, UUID, int, str, bytes]
StreamRow = tuple[UUID, int, str, bytes]


class BatchAbortedError(Exception):
    """A statement of the batch's transaction failed (often: the connection was lost). The
    transaction can neither read nor write any more: the whole batch is given up at once,
    never retried statement by statement on the same connection."""


class SideWrite(Protocol):
    """A change of a side table (``commands.side_tables``) that a command makes with its
    events: the recorder applies it in the transaction that inserts them, after them."""

    def apply(self, cursor: Any, kind: str) -> None:
        """Run the change on ``cursor`` (the insert's own), in ``kind``'s dialect."""


class WriteLock(Protocol):
    """Commands of one account decided by one process at a time, across processes."""

    def hold(self, accounts: Collection[int]) -> AbstractContextManager[Any]: ...


class LogView(Protocol):
    """The log and the store's other tables as of one moment: one read-only transaction."""

    kind: str  # "sqlite" or "postgres"
    # The transaction's DB-API cursor, for the side tables (``commands.side_tables``).
    cursor: Any

    def head(self) -> int:
        """The newest position (0 for an empty log)."""

    def count(self, upto: int) -> int:
        """How many events there are up to ``upto``."""

    def lines(self, after: int, upto: int) -> Iterator[bytes]:
        """The export line of each event after ``after`` up to ``upto``, in log order,
        streamed (``commands.log_file``)."""


class LogLoad(Protocol):
    """Writing a whole log into an empty store: one transaction, which commits only when
    the caller's block ends without an error, and keeps every event's position."""

    kind: str
    cursor: Any

    def is_empty(self) -> bool:
        """Whether the store has no event yet."""

    def write(self, rows: Iterable[LogRow]) -> None:
        """Append rows, streamed (each position above every position written before): one
        statement for them all, so that reading them and storing them overlap."""


class ServiceRecorder(ApplicationRecorder):
    """The library's application recorder, and what the service reads through it: each
    store's recorder is its library recorder with these."""

    # Called with the batch's connection (or cursor) once its rows are in its open
    # transaction, just before the commit: a seam for tracing and fault tests (unset here).
    rows_written: Callable[[Any], None] | None = None
    kind: str  # "sqlite" or "postgres"

    @contextmanager
    def also_writing(self, writes: Sequence[SideWrite]) -> Iterator[None]:
        """The next insert of events on this thread, within the block, applies ``writes``
        in its own transaction, after the events: both commit, or neither."""
        local = self._side_writes_local()
        local.writes = list(writes)
        try:
            yield
        finally:
            local.writes = []

    def apply_side_writes(self, cursor: Any) -> None:
        """Apply the side writes waiting for this thread's insert (the recorders call this
        with the insert's cursor, once its events are in)."""
        local = self._side_writes_local()
        writes: list[SideWrite] = getattr(local, "writes", [])
        local.writes = []
        for write in writes:
            write.apply(cursor, self.kind)

    def _side_writes_local(self) -> threading.local:
        local: threading.local = self.__dict__.setdefault("_side_writes", threading.local())
        return local

    @abstractmethod
    def side_tables(self, *, write: bool) -> AbstractContextManager[Any]:
        """A DB-API cursor (tuple rows) in a transaction of its own, for the side tables'
        reads; with ``write``, holding off every writer of events until it commits."""

    @abstractmethod
    def write_lock(self) -> WriteLock:
        """The lock a batch holds from its first read to its commit."""

    @abstractmethod
    def stream_rows(
        self, after: Mapping[UUID, int], snapshots_table: str | None = None
    ) -> list[StreamRow]:
        """The events of each stream after its version, in stream and version order, in one
        query. A stream after version 0 is read whole, or, with ``snapshots_table``, from
        its latest snapshot there on: that snapshot's row first, then the events after it."""

    @abstractmethod
    def log_rows(self, position: int, limit: int) -> list[LogRow]:
        """Up to ``limit`` events after ``position``, in log order."""

    @abstractmethod
    def topic_rows(self, position: int, topics: Sequence[str], limit: int) -> list[LogRow]:
        """Up to ``limit`` events of ``topics`` after ``position``, in log order."""

    @abstractmethod
    def streams_between(self, after: int, upto: int) -> set[str]:
        """The ids of the streams with an event after ``after``, up to ``upto``."""

    @abstractmethod
    def stream_log_rows(self, stream_id: UUID, position: int, limit: int) -> list[LogRow]:
        """Up to ``limit`` events of one stream after log ``position``, in order."""

    @abstractmethod
    def stream_page(
        self, stream_id: UUID, *, newest_first: bool, offset: int, limit: int
    ) -> list[LogRow]:
        """A page of one stream's events, oldest or newest first."""

    @abstractmethod
    def stream_length(self, stream_id: UUID) -> int:
        """How many events one stream has (its versions run from 1 without gaps)."""

    @abstractmethod
    def streams_longer_than(self, versions: int) -> list[UUID]:
        """The ids of the streams with more than ``versions`` events (one scan of the log)."""

    @abstractmethod
    def viewing(self) -> AbstractContextManager[LogView]:
        """The log as of now, for a reader of all of it (export, verification)."""

    @abstractmethod
    def loading(self) -> AbstractContextManager[LogLoad]:
        """A transaction that writes a whole log (import), holding off other writers."""
