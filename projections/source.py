"""The event log as the read side sees it: positions and decoded events, in order.

Reading goes straight to the library's events table with a lean query (plain tuples, no
per-row objects); decoding still goes through the application's mapper, so upcasting and
any cipher or compression keep working.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any, NamedTuple

from eventsourcing.application import Application
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

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
        # The mapper reads only the four attributes of ``StoredRow`` from a stored event.
        decode: Callable[[StoredRow], Any] = self.mapper.to_domain_event  # type: ignore[assignment]
        return [
            (
                row[0],
                decode(StoredRow(row[1], row[2], row[3], row[4]))
                if topics is None or row[3] in topics
                else None,
            )
            for row in self._rows(position, limit, stop)
        ]

    def head(self) -> int:
        """The position of the newest event (0 for an empty log)."""
        return self.recorder.max_notification_id() or 0

    def pages(
        self, after: int, stop: int, size: int, types: Collection[type] | None = None
    ) -> Iterator[Page]:
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
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {schema}.{table} WHERE notification_id > %s "
        "ORDER BY notification_id LIMIT %s"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.get_connection() as connection:
        cursor = connection.cursor(row_factory=tuple_row)
        cursor.execute(statement, (position, limit))
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
