"""Connections to the read-model database: the same SQLite file or PostgreSQL database as the
event log, with one small dialect difference hidden here (placeholders, collation, locking)."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any, Protocol

import msgspec
import psycopg
import psycopg_pool

from commands.persistence.postgres import NO_PARALLEL_QUERY, POOL_RECONNECT_SECONDS

Params = Sequence[Any]
_json = msgspec.json.Encoder()
# One advisory-lock key for "a projection batch is writing": batches and the rebuild's
# switch-over take it inside their transactions, so they never interleave.
PROJECTION_WRITE_LOCK = 0x46414153  # "FAAS"


class DatabaseUnavailableError(Exception):
    """The read-model database could not be reached, or not in time."""


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """Lost connections, pool and lock timeouts: one error the edge answers with 503."""
    try:
        yield
    except (psycopg.OperationalError, sqlite3.OperationalError, TimeoutError) as error:
        raise DatabaseUnavailableError(str(error)) from error


class Cursor(Protocol):
    def execute(self, statement: str, params: Params = ()) -> Any: ...

    def executemany(self, statement: str, rows: Sequence[Params]) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchone(self) -> Any: ...


class Database(Protocol):
    """What the read side needs of a database."""

    name: str
    sortable_text: str

    def write(self) -> Any:
        """A context manager: one write transaction, exclusive among projection writers."""

    def read(self) -> Any:
        """A context manager: one read-only snapshot."""

    def query(self, statement: str, params: Params = ()) -> list[Any]:
        """The rows of one statement (written with ``?``), which is its own snapshot: no
        transaction around it, so one round trip."""

    def sql(self, statement: str) -> str:
        """The statement in this database's placeholder style (written with ``?``)."""

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        key: str,
        rows: Sequence[Params],
        *,
        replace: bool = True,
    ) -> None:
        """Insert ``rows``; a row whose ``key`` exists replaces it (or is skipped)."""

    def insert(
        self, cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Params]
    ) -> None:
        """Insert new ``rows`` (a duplicate key is an error: the batch is rolled back)."""

    def delete(self, cursor: Any, table: str, column: str, values: Sequence[Any]) -> None:
        """Delete the rows whose ``column`` is one of ``values``."""

    def pipelined(self, cursor: Any) -> Any:
        """A context manager: the writes made in it are sent together (PostgreSQL's pipeline
        mode), and their errors raised when it ends. No results can be read in it."""

    def leader_lock(self, channel: str) -> LeaderLock:
        """The lock that elects the one runner of the live projection."""

    def close(self) -> None: ...


def delete_rows(
    database: Database, cursor: Any, table: str, column: str, values: Sequence[Any]
) -> None:
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        cursor.execute(database.sql(f"DELETE FROM {table} WHERE {column} IN ({marks})"), chunk)


class SQLiteDatabase:
    """A pool of connections to one SQLite file in WAL mode; writers begin IMMEDIATE, which
    serialises them through SQLite's own write lock."""

    name = "sqlite"
    sortable_text = "TEXT"

    def __init__(self, path: str, *, timeout_seconds: float, max_connections: int = 8) -> None:
        self.path = path
        self.timeout_seconds = timeout_seconds
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(max_connections)

    def sql(self, statement: str) -> str:
        return statement

    def upsert(
        self,
        cursor: sqlite3.Cursor,
        table: str,
        columns: Sequence[str],
        key: str,
        rows: Sequence[Params],
        *,
        replace: bool = True,
    ) -> None:
        if rows:
            cursor.executemany(_upsert_statement(table, columns, key, replace, "?"), rows)

    def insert(
        self, cursor: sqlite3.Cursor, table: str, columns: Sequence[str], rows: Sequence[Params]
    ) -> None:
        if rows:
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def delete(
        self, cursor: sqlite3.Cursor, table: str, column: str, values: Sequence[Any]
    ) -> None:
        delete_rows(self, cursor, table, column, values)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Cursor]:
        with unavailable_as_error(), self._connection() as connection:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Cursor]:
        with unavailable_as_error(), self._connection() as connection:
            cursor = connection.cursor()
            cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                connection.rollback()

    def query(self, statement: str, params: Params = ()) -> list[Any]:
        with unavailable_as_error(), self._connection() as connection:
            return connection.execute(statement, params).fetchall()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if not self._slots.acquire(timeout=self.timeout_seconds):
            raise TimeoutError("no read-model connection free")
        try:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                connection = self._connect()
            yield connection
            self._idle.put(connection)
        finally:
            self._slots.release()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=self.timeout_seconds, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    def pipelined(self, cursor: sqlite3.Cursor) -> AbstractContextManager[None]:
        return nullcontext()

    def leader_lock(self, channel: str) -> FileLeaderLock:
        return FileLeaderLock(f"{self.path}.projector.lock")

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


class PostgresDatabase:
    """A psycopg pool; writers take a transaction-scoped advisory lock."""

    name = "postgres"
    sortable_text = 'TEXT COLLATE "C"'

    def __init__(self, conninfo: str, *, timeout_seconds: float, max_connections: int = 8) -> None:
        self.conninfo = conninfo
        self.timeout_seconds = timeout_seconds
        self.pool = psycopg_pool.ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_connections,
            timeout=timeout_seconds,
            check=psycopg_pool.ConnectionPool.check_connection,
            configure=_without_parallel_query,
            reconnect_timeout=POOL_RECONNECT_SECONDS,
            open=True,
        )

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    def upsert(
        self,
        cursor: psycopg.Cursor[Any],
        table: str,
        columns: Sequence[str],
        key: str,
        rows: Sequence[Params],
        *,
        replace: bool = True,
    ) -> None:
        if rows:
            source = _rows_from_json(table, columns)
            statement = _upsert_statement(table, columns, key, replace, source=source)
            cursor.execute(statement, (_as_json(columns, rows),))

    def insert(
        self,
        cursor: psycopg.Cursor[Any],
        table: str,
        columns: Sequence[str],
        rows: Sequence[Params],
    ) -> None:
        if rows:
            statement = f"INSERT INTO {table} ({', '.join(columns)}) "
            cursor.execute(statement + _rows_from_json(table, columns), (_as_json(columns, rows),))

    def delete(
        self, cursor: psycopg.Cursor[Any], table: str, column: str, values: Sequence[Any]
    ) -> None:
        if values:
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", (list(values),))

    @contextmanager
    def pipelined(self, cursor: psycopg.Cursor[Any]) -> Iterator[None]:
        with cursor.connection.pipeline():
            yield

    @contextmanager
    def write(self) -> Iterator[psycopg.Cursor[Any]]:
        with (
            unavailable_as_error(),
            self.pool.connection() as connection,
            connection.transaction(),
        ):
            cursor = connection.cursor()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (PROJECTION_WRITE_LOCK,))
            yield cursor

    @contextmanager
    def read(self) -> Iterator[psycopg.Cursor[Any]]:
        with (
            unavailable_as_error(),
            self.pool.connection() as connection,
            connection.transaction(force_rollback=True),
        ):
            cursor = connection.cursor()
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield cursor

    def query(self, statement: str, params: Params = ()) -> list[Any]:
        with unavailable_as_error(), self.pool.connection() as connection:
            connection.autocommit = True
            try:
                return connection.execute(self.sql(statement), params).fetchall()
            finally:
                with suppress(psycopg.Error):  # a broken connection is dropped by the pool
                    connection.autocommit = False

    def leader_lock(self, channel: str) -> AdvisoryLeaderLock:
        return AdvisoryLeaderLock(self.conninfo, channel, self.timeout_seconds)

    def close(self) -> None:
        self.pool.close()


def _without_parallel_query(connection: psycopg.Connection[Any]) -> None:
    """The read model answers pages of a few rows by index: a parallel plan (which the
    planner picks for a filtered page of a large table) only forks worker processes for
    each of them, and was the slowest part of a tag filter's answer."""
    connection.execute(NO_PARALLEL_QUERY)
    connection.commit()


def _rows_from_json(table: str, columns: Sequence[str]) -> str:
    """Rows given as one JSON array of objects, typed by the table's own row type: a whole
    table's rows in one statement, which (unlike COPY) can be pipelined."""
    return f"SELECT {', '.join(columns)} FROM json_populate_recordset(NULL::{table}, %s::json)"


def _as_json(columns: Sequence[str], rows: Sequence[Params]) -> str:
    return _json.encode([dict(zip(columns, row, strict=True)) for row in rows]).decode()


def _upsert_statement(
    table: str,
    columns: Sequence[str],
    key: str,
    replace: bool,
    placeholder: str = "",
    source: str = "",
) -> str:
    values = source or f"VALUES ({', '.join([placeholder] * len(columns))})"
    conflict = (
        "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        if replace
        else "DO NOTHING"
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) {values} ON CONFLICT ({key}) {conflict}"


class LeaderLock(Protocol):
    """Held by at most one projection runner per store, released when its process dies."""

    wakeup: threading.Event

    def try_acquire(self) -> bool: ...

    def wait_for_events(self, timeout: float) -> None:
        """Block until the log may have grown, or ``timeout`` passes."""

    def release(self) -> None: ...


class FileLeaderLock:
    """An exclusive ``flock`` on a file beside the SQLite database; events are signalled
    in-process (``wake``), and other processes' writes are seen by polling."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: Any = None
        self.wakeup = threading.Event()

    def try_acquire(self) -> bool:
        import fcntl

        handle = open(self.path, "a+b")  # noqa: SIM115 - held open while the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def wait_for_events(self, timeout: float) -> None:
        self.wakeup.wait(timeout)
        self.wakeup.clear()

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class AdvisoryLeaderLock:
    """A session advisory lock on a connection of its own, which also LISTENs to the event
    log's channel so that new events wake the leader at once."""

    KEY = PROJECTION_WRITE_LOCK + 1

    def __init__(self, conninfo: str, channel: str, connect_timeout: float, key: int = KEY) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.connect_timeout = connect_timeout
        self.key = key
        self._connection: psycopg.Connection[Any] | None = None
        self.wakeup = threading.Event()

    def try_acquire(self) -> bool:
        connection = psycopg.connect(
            self.conninfo, autocommit=True, connect_timeout=max(1, int(self.connect_timeout))
        )
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if not (row and row[0]):
            connection.close()
            return False
        connection.execute(f'LISTEN "{self.channel}"')
        self._connection = connection
        return True

    def wait_for_events(self, timeout: float) -> None:
        assert self._connection is not None
        deadline = time.monotonic() + timeout
        # Short slices, so that an in-process wake-up (or a stop) is not kept waiting.
        while not self.wakeup.is_set() and (left := deadline - time.monotonic()) > 0:
            for _ in self._connection.notifies(timeout=min(left, 0.05), stop_after=1):
                self.wakeup.set()
        self.wakeup.clear()

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
