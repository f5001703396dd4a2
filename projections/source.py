"""The event log as the read side sees it: positions and decoded events, in order.

Reading goes straight to the library's events table with a lean query (plain tuples, no
per-row objects); decoding still goes through the application's mapper, so upcasting and
any cipher or compression keep working.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Collection, Generator, Iterator, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

Page = list[tuple[int, Any]]


class StoredRow(NamedTuple):
    """What the mapper needs of a stored event."""

    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class EventLog:
    """Reads the application's notification log; the only way the read side sees events."""

    def __init__(self, application: Application[Any]) -> None:
        self.recorder = application.recorder
        self.mapper = application.mapper

    def after(
        self,
        position: int,
        limit: int,
        stop: int | None = None,
        types: Collection[type] | None = None,
    ) -> Page:
        """Up to ``limit`` events after ``position`` (not after ``stop``), decoded. With
        ``types``, events of other types are not decoded: they come as ``None``."""
        topics = None if types is None else {get_topic(cls) for cls in types}
        return [
            (row[0], self._decode(row) if topics is None or row[3] in topics else None)
            for row in self._rows(position, limit, stop)
        ]

    def of_topics_after(
        self, position: int, topics: Sequence[str], limit: int
    ) -> list[tuple[int, Any]]:
        """Up to ``limit`` events of ``topics`` after ``position``, decoded, in order. On
        PostgreSQL the topics are written into the statement, so that the planner can read
        them from a partial index of those topics (the event store has one for key events)
        rather than walk every event after ``position``."""
        recorder = self.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            rows = _postgres_query(recorder, _topics_after(recorder, topics), (position, limit))
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in recorder.select_notifications(position + 1, limit, topics=topics)
            ]
        return [(row[0], self._decode(row)) for row in rows]

    def _decode(self, row: tuple[Any, ...]) -> Any:
        """The domain event of a raw row; the mapper reads only these four attributes."""
        stored = StoredRow(row[1], row[2], row[3], row[4])
        return self.mapper.to_domain_event(stored)  # type: ignore[arg-type]

    def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        return self.recorder.max_notification_id() or 0

    def pages(
        self, after: int, stop: int, size: int, types: Collection[type] | None = None
    ) -> Generator[Page, None, None]:
        """Pages of events after ``after`` up to ``stop``, read one or two pages ahead in a
        thread, so reading and decoding overlap the caller's writes. Memory stays bounded."""
        ahead: queue.Queue[Page | BaseException | None] = queue.Queue(2)
        cancelled = threading.Event()

        def read() -> None:
            position = after
            try:
                while position < stop and not cancelled.is_set():
                    page = self.after(position, size, stop=stop, types=types)
                    if not page:
                        break
                    ahead.put(page)
                    position = page[-1][0]
                ahead.put(None)
            except BaseException as error:  # handed to the consumer, which re-raises it
                ahead.put(error)

        reader = threading.Thread(target=read, name="log-reader", daemon=True)
        reader.start()
        try:
            while (item := ahead.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            cancelled.set()
            while reader.is_alive():
                try:
                    ahead.get(timeout=0.1)
                except queue.Empty:
                    continue

    def streams_between(self, after: int, upto: int) -> set[str]:
        """The ids of the streams with an event after position ``after``, up to ``upto``."""
        recorder = self.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            rows = _postgres_query(
                recorder,
                "SELECT DISTINCT originator_id FROM {events} "
                "WHERE notification_id > %s AND notification_id <= %s",
                (after, upto),
            )
            return {str(row[0]) for row in rows}
        if isinstance(recorder, SQLiteApplicationRecorder):
            text = (
                f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "
                "WHERE rowid > ? AND rowid <= ?"
            )
            with recorder.datastore.transaction(commit=False) as lite:
                lite.execute(text, (after, upto))
                return {str(recorder.convert_originator_id(row[0])) for row in lite.fetchall()}
        return {str(row[1]) for row in self._rows(after, upto - after, upto)}

    def rows(self, position: int, limit: int) -> list[tuple[Any, ...]]:
        """Raw ``(position, stream id, version, topic, state)`` rows after ``position``."""
        return self._rows(position, limit, None)

    def stream_rows(self, stream_id: UUID, position: int, limit: int) -> list[tuple[Any, ...]]:
        """Raw rows of one stream after log ``position``, in order."""
        return self._stream_query(
            "AND {position} > ? ORDER BY originator_version LIMIT ?", stream_id, position, limit
        )

    def stream_page(
        self, stream_id: UUID, *, newest_first: bool, offset: int, limit: int
    ) -> list[tuple[Any, ...]]:
        """Raw rows of one stream, a page of them, oldest or newest first."""
        order = "DESC" if newest_first else "ASC"
        return self._stream_query(
            f"ORDER BY originator_version {order} LIMIT ? OFFSET ?", stream_id, limit, offset
        )

    def stream_length(self, stream_id: UUID) -> int:
        """How many events one stream has (its versions run from 1 without gaps)."""
        rows = self._stream_query("ORDER BY originator_version DESC LIMIT 1", stream_id)
        return int(rows[0][2]) if rows else 0

    def stream_events(self, stream_id: UUID) -> Iterator[tuple[int, Any]]:
        """One stream's events, decoded, in order."""
        position = 0
        while rows := self.stream_rows(stream_id, position, 1000):
            for row in rows:
                yield (
                    row[0],
                    self.mapper.to_domain_event(
                        StoredRow(row[1], row[2], row[3], row[4])  # type: ignore[arg-type]
                    ),
                )
            position = rows[-1][0]

    def _stream_query(self, tail: str, stream_id: UUID, *params: Any) -> list[tuple[Any, ...]]:
        recorder = self.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            return _postgres_query(
                recorder,
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {events} WHERE originator_id = %s "
                + tail.format(position="notification_id").replace("?", "%s"),
                (stream_id, *params),
            )
        if isinstance(recorder, SQLiteApplicationRecorder):
            text = (
                "SELECT rowid, originator_id, originator_version, topic, state "
                f"FROM {recorder.events_table_name} WHERE originator_id = ? "
                + tail.format(position="rowid")
            )
            with recorder.datastore.transaction(commit=False) as lite:
                lite.execute(text, (stream_id.hex, *params))
                return [
                    (row[0], recorder.convert_originator_id(row[1]), row[2], row[3], row[4])
                    for row in lite.fetchall()
                ]
        raise NotImplementedError(f"stream queries on {type(recorder).__name__}")

    def _rows(self, position: int, limit: int, stop: int | None) -> list[tuple[Any, ...]]:
        # No upper bound in SQL: with one, PostgreSQL may plan a bitmap scan and a sort of
        # the whole range instead of walking the index. Positions only grow, so at most
        # ``stop - position`` rows can be wanted; any past ``stop`` are cut here.
        if stop is not None:
            limit = max(0, min(limit, stop - position))
            if not limit:
                return []
        recorder = self.recorder
        if isinstance(recorder, PostgresApplicationRecorder):
            rows = _postgres_rows(recorder, position, limit)
        elif isinstance(recorder, SQLiteApplicationRecorder):
            rows = _sqlite_rows(recorder, position, limit)
        else:
            rows = [
                (n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in recorder.select_notifications(position + 1, limit)
            ]
        if stop is not None and rows and rows[-1][0] > stop:
            rows = [row for row in rows if row[0] <= stop]
        return rows


def _postgres_rows(
    recorder: PostgresApplicationRecorder, position: int, limit: int
) -> list[tuple[Any, ...]]:
    return _postgres_query(
        recorder,
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {events} WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
        (position, limit),
    )


def _topics_after(recorder: PostgresApplicationRecorder, topics: Sequence[str]) -> Composed:
    return _postgres_statement(
        recorder,
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {events} WHERE notification_id > %s AND topic IN ({topics}) "
        "ORDER BY notification_id LIMIT %s",
        topics=SQL(", ").join(Literal(topic) for topic in topics),
    )


def _postgres_statement(
    recorder: PostgresApplicationRecorder, text: str, **parts: Composable
) -> Composed:
    """``text``, where ``{events}`` names the library's events table (and other names in
    braces, ``parts``)."""
    events = SQL("{}.{}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    return SQL(text).format(events=events, **parts)


def _postgres_query(
    recorder: PostgresApplicationRecorder, text: str | Composed, params: tuple[Any, ...]
) -> list[tuple[Any, ...]]:
    """The rows of ``text`` (``_postgres_statement``'s, when given as a string)."""
    statement = _postgres_statement(recorder, text) if isinstance(text, str) else text
    with recorder.datastore.get_connection() as connection:
        cursor = connection.cursor(row_factory=tuple_row)
        cursor.execute(statement, params)
        return cursor.fetchall()


def _sqlite_rows(
    recorder: SQLiteApplicationRecorder, position: int, limit: int
) -> list[tuple[Any, ...]]:
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute(statement, (position, limit))
        return [
            (row[0], recorder.convert_originator_id(row[1]), row[2], row[3], row[4])
            for row in cursor.fetchall()
        ]
