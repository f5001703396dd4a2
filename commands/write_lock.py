"""Commands of one account decided by one process at a time, across processes.

Every command of an account changes its usage record, so two processes deciding batches for
the same account at once would mostly refuse each other at commit (the store's version
check), retry, and refuse each other again. A lock per account, held from the batch's first
read to its commit, makes them take turns instead; each turn is a whole batch.
"""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.abc import Query
from psycopg.sql import SQL, Literal

from commands.postgres_recorder import ServicePostgresRecorder

# The class half of the two-part advisory-lock key (two-part keys never meet the one-part
# keys the read model's writers take).
ACCOUNT_LOCK_CLASS = 0x46414153  # "FAAS"


class WriteLock(Protocol):
    def hold(self, accounts: Collection[int]) -> AbstractContextManager[Any]: ...


class PostgresWriteLock:
    """Transaction-scoped advisory locks, one per account, taken in one order (so two
    batches never wait on each other in a circle). They open the batch's transaction, which
    the batch's reads and insert share, and are released when it commits or rolls back."""

    def __init__(self, recorder: ServicePostgresRecorder) -> None:
        self._datastore = recorder.datastore

    @contextmanager
    def hold(self, accounts: Collection[int]) -> Iterator[None]:
        keys = sorted({account_key(account) for account in accounts})
        # Waiting as long as the store's writes wait for their table lock, no longer. Values
        # are inlined: all are integers of ours.
        opening: list[Query] = [
            SQL("BEGIN"),
            SQL("SET LOCAL lock_timeout = {timeout}").format(
                timeout=Literal(f"{int(self._datastore.lock_timeout)}s")
            ),
            SQL(
                "SELECT pg_advisory_xact_lock({lock_class}, k) "
                "FROM unnest({keys}::int4[]) AS k ORDER BY k"
            ).format(lock_class=Literal(ACCOUNT_LOCK_CLASS), keys=Literal(keys)),
        ]
        with self._datastore.batch(opening):
            yield


class FileWriteLock:
    """SQLite: one exclusive ``flock`` on a file beside the database for every batch (its
    writes are one at a time anyway). Threads of one process share the file handle, so
    they also take turns on a lock of their own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()

    @contextmanager
    def hold(self, accounts: Collection[int]) -> Iterator[None]:
        with self._thread_lock, open(self.path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class NoWriteLock:
    """A store only this process can open (in memory)."""

    def hold(self, accounts: Collection[int]) -> AbstractContextManager[Any]:
        return nullcontext()


def account_key(account_id: int) -> int:
    """An int4 for the account (a collision only makes two accounts take turns)."""
    return zlib.crc32(str(account_id).encode()) & 0x7FFFFFFF


def write_lock_for(recorder: ApplicationRecorder) -> WriteLock:
    if isinstance(recorder, ServicePostgresRecorder):
        return PostgresWriteLock(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        datastore = recorder.datastore
        if datastore.pool.is_sqlite_memory_mode:
            return NoWriteLock()
        return FileWriteLock(Path(f"{datastore.pool.db_name}.writer.lock"))
    return NoWriteLock()
