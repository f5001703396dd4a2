"""The whole log on PostgreSQL: read as of one moment, and written into an empty store, with
``COPY`` in binary, which moves rows several times faster than pages of statements."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import Connection, Cursor
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Literal

from commands.persistence import LogRow

KIND = "postgres"
# Binary COPY: a file header before the first row, a trailer after the last, and before each
# row's one column its field count (2 bytes) and length (4 bytes).
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
COPY_TRAILER = b"\xff\xff"
ROW_FRAMING = 6
# An event's export line, byte for byte as ``commands.log_file.event_line`` writes it: the
# stored state itself when it is one line of JSON (an object), else base64 of it as a string.
# (Topics are Python names, written alike by either JSON encoder.)
EXPORT_LINE = r"""
    convert_to('[' || notification_id || ',"' || originator_id::text || '",' ||
               originator_version || ',' || to_json(topic)::text || ',', 'UTF8')
    || CASE WHEN substring(state FROM 1 FOR 1) = '\x7b'::bytea
             AND substring(state FROM length(state) FOR 1) = '\x7d'::bytea
             AND position('\x0a'::bytea IN state) = 0
        THEN state
        ELSE convert_to(to_json(translate(encode(state, 'base64'), E'\n', ''))::text, 'UTF8')
    END
    || '\x5d0a'::bytea"""


class PostgresLogView:
    """The log in a read-only transaction at one snapshot (``REPEATABLE READ``)."""

    kind = KIND

    def __init__(self, cursor: Cursor[Any], events_table: Composed) -> None:
        self.cursor = cursor
        self._table = events_table

    def head(self) -> int:
        self.cursor.execute(
            SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(self._table)
        )
        return int(self._one())

    def count(self, upto: int) -> int:
        self.cursor.execute(
            SQL("SELECT count(*) FROM {} WHERE notification_id <= %s").format(self._table), (upto,)
        )
        return int(self._one())

    def lines(self, after: int, upto: int) -> Iterator[bytes]:
        """Each event's export line made by the server (``EXPORT_LINE``), one row of one
        column per message of the COPY: taken as it comes, with no parsing of rows."""
        # COPY takes no parameters: the bounds are integers, written in as literals.
        statement = SQL(
            "COPY (SELECT {line} FROM {table} WHERE notification_id > {after} "
            "AND notification_id <= {upto} ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
        ).format(line=SQL(EXPORT_LINE), table=self._table, after=Literal(after), upto=Literal(upto))
        with self.cursor.copy(statement) as copy:
            for message in copy:
                row = bytes(message)
                if row.startswith(COPY_SIGNATURE):
                    row = row[len(COPY_SIGNATURE) + 8 :]  # its flags and header extension
                if row != COPY_TRAILER:  # read to the end: the COPY finishes after it
                    yield row[ROW_FRAMING:]

    def _one(self) -> Any:
        row = self.cursor.fetchone()
        assert row is not None
        return row[0]


class PostgresLogLoad:
    """Rows copied into the events table with their positions, in the caller's transaction;
    ``finish`` moves the table's sequence past them, so new events come after."""

    kind = KIND

    def __init__(self, cursor: Cursor[Any], events_table: Composed, id_type: str) -> None:
        self.cursor = cursor
        self._table = events_table
        self._types = ["int8", id_type, "int8", "text", "bytea"]

    def is_empty(self) -> bool:
        self.cursor.execute(SQL("SELECT NOT EXISTS (SELECT FROM {})").format(self._table))
        row = self.cursor.fetchone()
        return bool(row and row[0])

    def write(self, rows: Iterable[LogRow]) -> None:
        statement = SQL(
            "COPY {} (notification_id, originator_id, originator_version, topic, state) "
            "FROM STDIN (FORMAT BINARY)"
        ).format(self._table)
        with self.cursor.copy(statement) as copy:
            copy.set_types(self._types)
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        self.cursor.execute(
            SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                "MAX(notification_id)) FROM {} HAVING MAX(notification_id) IS NOT NULL"
            ).format(self._table),
            (self._table.as_string(self.cursor),),
        )


@contextmanager
def viewing(connection: Connection[Any], events_table: Composed) -> Iterator[PostgresLogView]:
    with connection.transaction(force_rollback=True):
        cursor = connection.cursor(row_factory=tuple_row)
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        # The log is read whole, in position order: by its index, never by a sort of it all,
        # which would spill to disk before the first row comes.
        cursor.execute("SET LOCAL enable_sort = off")
        yield PostgresLogView(cursor, events_table)


@contextmanager
def loading(
    connection: Connection[Any], events_table: Composed, id_type: str, lock: Sequence[str]
) -> Iterator[PostgresLogLoad]:
    """One transaction that holds the table lock every writer takes (so no command writes
    meanwhile), commits on a normal exit and rolls back on an error."""
    with connection.transaction():
        cursor = connection.cursor(row_factory=tuple_row)
        for statement in lock:
            cursor.execute(statement)
        load = PostgresLogLoad(cursor, events_table, id_type)
        yield load
        load.finish()
