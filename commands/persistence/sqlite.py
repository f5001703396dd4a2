"""The event store on SQLite (the embedded store): durable connections, a file lock for the
writer, the service's reads of the log, and the factory that builds them."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)

from commands.log_file import event_line
from commands.persistence import (
    LogLoad,
    LogRow,
    LogView,
    ServiceRecorder,
    StreamRow,
    WriteLock,
    secret_keys,
)

LOG_COLUMNS = "rowid, originator_id, originator_version, topic, state"
STREAM_COLUMNS = "SELECT originator_id, originator_version, topic, state"


class ServiceSQLiteRecorder(SQLiteApplicationRecorder, ServiceRecorder):
    """The library's recorder with the service's reads and side tables. Positions are the
    table's rowids."""

    kind = "sqlite"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            secret_keys.create_statement("sqlite"),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        self.apply_side_writes(c.sqlite_cursor)
        if self.rows_written is not None:
            self.rows_written(c)
        return ids

    def write_lock(self) -> WriteLock:
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            return NoWriteLock()  # only this process can open it
        return FileWriteLock(Path(f"{pool.db_name}.writer.lock"))

    def stream_rows(
        self, after: Mapping[UUID, int], snapshots_table: str | None = None
    ) -> list[StreamRow]:
        conditions, params = [], []
        cold: list[str] = []
        for stream_id, version in after.items():
            if version or snapshots_table is None:
                conditions.append("(originator_id = ? AND originator_version > ?)")
                params += [stream_id.hex, version]
            else:  # read from its latest snapshot on (the snapshot's row is selected below)
                latest = (
                    f"(SELECT max(originator_version) FROM {snapshots_table} "
                    "WHERE originator_id = ?)"
                )
                conditions.append(
                    f"(originator_id = ? AND originator_version > COALESCE({latest}, 0))"
                )
                params += [stream_id.hex, stream_id.hex]
                cold.append(stream_id.hex)
        statement = f"{STREAM_COLUMNS} FROM {{events}} WHERE {' OR '.join(conditions)}"
        if cold:
            statement = (
                f"{_latest_snapshots(str(snapshots_table), len(cold))} UNION ALL {statement}"
            )
            params = [*cold, *params]
        rows = self._select(f"{statement} ORDER BY originator_id, originator_version", params)
        return [(self._id(row[0]), row[1], row[2], row[3]) for row in rows]

    def log_rows(self, position: int, limit: int) -> list[LogRow]:
        return self._log_rows(
            f"SELECT {LOG_COLUMNS} FROM {{events}} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (position, limit),
        )

    def topic_rows(self, position: int, topics: Sequence[str], limit: int) -> list[LogRow]:
        marks = ", ".join("?" * len(topics))
        return self._log_rows(
            f"SELECT {LOG_COLUMNS} FROM {{events}} WHERE rowid > ? AND topic IN ({marks}) "
            "ORDER BY rowid LIMIT ?",
            (position, *topics, limit),
        )

    def streams_between(self, after: int, upto: int) -> set[str]:
        rows = self._select(
            "SELECT DISTINCT originator_id FROM {events} WHERE rowid > ? AND rowid <= ?",
            (after, upto),
        )
        return {str(self._id(row[0])) for row in rows}

    def stream_log_rows(self, stream_id: UUID, position: int, limit: int) -> list[LogRow]:
        return self._stream_rows(
            "AND rowid > ? ORDER BY originator_version LIMIT ?", stream_id, position, limit
        )

    def stream_page(
        self, stream_id: UUID, *, newest_first: bool, offset: int, limit: int
    ) -> list[LogRow]:
        order = "DESC" if newest_first else "ASC"
        return self._stream_rows(
            f"ORDER BY originator_version {order} LIMIT ? OFFSET ?", stream_id, limit, offset
        )

    def stream_length(self, stream_id: UUID) -> int:
        rows = self._stream_rows("ORDER BY originator_version DESC LIMIT 1", stream_id)
        return int(rows[0][2]) if rows else 0

    def streams_longer_than(self, versions: int) -> list[UUID]:
        rows = self._select(
            "SELECT originator_id FROM {events} GROUP BY originator_id "
            "HAVING MAX(originator_version) > ?",
            (versions,),
        )
        return [self._id(row[0]) for row in rows]

    @contextmanager
    def viewing(self) -> Iterator[LogView]:
        # A read transaction of WAL mode: a snapshot from its first read to its end.
        with self.datastore.transaction(commit=False) as cursor:
            yield SQLiteLogView(cursor.sqlite_cursor, self.events_table_name)

    @contextmanager
    def loading(self) -> Iterator[LogLoad]:
        with self.write_lock().hold(()), self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # begins writing at once
            yield SQLiteLogLoad(cursor.sqlite_cursor, self.events_table_name)

    @contextmanager
    def side_tables(self, *, write: bool) -> Iterator[sqlite3.Cursor]:
        lock = self.write_lock().hold(()) if write else nullcontext()
        with lock, self.datastore.transaction(commit=write) as cursor:
            if write:
                cursor.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            yield cursor.sqlite_cursor

    def _stream_rows(self, tail: str, stream_id: UUID, *params: Any) -> list[LogRow]:
        return self._log_rows(
            f"SELECT {LOG_COLUMNS} FROM {{events}} WHERE originator_id = ? {tail}",
            (stream_id.hex, *params),
        )

    def _log_rows(self, text: str, params: Sequence[Any]) -> list[LogRow]:
        return [
            (row[0], self._id(row[1]), row[2], row[3], row[4]) for row in self._select(text, params)
        ]

    def _select(self, text: str, params: Sequence[Any]) -> list[Any]:
        """The rows of ``text``, where ``{events}`` names the events table (a name of ours;
        every value is a parameter)."""
        statement = text.replace("{events}", self.events_table_name)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())

    def _id(self, stored: str) -> UUID:
        converted = self.convert_originator_id(stored)
        return converted if isinstance(converted, UUID) else UUID(converted)


class SQLiteLogView:
    kind = "sqlite"

    def __init__(self, cursor: sqlite3.Cursor, table: str) -> None:
        self.cursor = cursor
        self._table = table

    def head(self) -> int:
        return int(
            self.cursor.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {self._table}").fetchone()[0]
        )

    def count(self, upto: int) -> int:
        statement = f"SELECT count(*) FROM {self._table} WHERE rowid <= ?"
        return int(self.cursor.execute(statement, (upto,)).fetchone()[0])

    def lines(self, after: int, upto: int) -> Iterator[bytes]:
        # A cursor of its own, so that the caller's cursor stays free while rows stream.
        rows = self.cursor.connection.execute(
            f"SELECT {LOG_COLUMNS} FROM {self._table} WHERE rowid > ? AND rowid <= ? "
            "ORDER BY rowid",
            (after, upto),
        )
        for position, stream_id, version, topic, state in rows:
            yield event_line(position, str(UUID(stream_id)), version, topic, state)


class SQLiteLogLoad:
    kind = "sqlite"

    def __init__(self, cursor: sqlite3.Cursor, table: str) -> None:
        self.cursor = cursor
        self._insert = (
            f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        self._table = table

    def is_empty(self) -> bool:
        statement = f"SELECT NOT EXISTS (SELECT 1 FROM {self._table})"
        return bool(self.cursor.execute(statement).fetchone()[0])

    def write(self, rows: Iterable[LogRow]) -> None:
        self.cursor.executemany(
            self._insert, ((row[0], row[1].hex, row[2], row[3], row[4]) for row in rows)
        )


def _latest_snapshots(snapshots_table: str, streams: int) -> str:
    """The latest snapshot of each of ``streams`` streams (parameters: their ids)."""
    marks = ", ".join("?" * streams)
    latest = (
        f"SELECT max(originator_version) FROM {snapshots_table} "
        "WHERE originator_id = s.originator_id"
    )
    return (
        f"{STREAM_COLUMNS} FROM {snapshots_table} AS s "
        f"WHERE originator_id IN ({marks}) AND originator_version = ({latest})"
    )


class FileWriteLock:
    """One exclusive ``flock`` on a file beside the database for every batch (SQLite's
    writes are one at a time anyway). Threads of one process share the file handle, so they
    also take turns on a lock of their own."""

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


class DurableSQLiteConnectionPool(SQLiteConnectionPool):
    """Connections that fsync every commit (WAL mode is set by the library)."""

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection.cursor().execute("PRAGMA synchronous=FULL")
        return connection


class Factory(SQLiteFactory):
    """The library's SQLite factory with durable connections and the service's recorder."""

    application_recorder_class = ServiceSQLiteRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        given = self.datastore.pool
        self.datastore.pool = DurableSQLiteConnectionPool(
            db_name=given.db_name, lock_timeout=given.lock_timeout
        )
        given.close()
