"""The event log as the read side sees it: positions and decoded events, in order.

Reading goes straight to the events table with a lean query of the store's (plain tuples, no
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
from eventsourcing.utils import get_topic

from commands.persistence import LogRow, ServiceRecorder

Page = list[tuple[int, Any]]


class StoredRow(NamedTuple):
    """What the mapper needs of a stored event."""

    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class EventLog:
    """Reads the application's notification log; the only way the read side sees events.
    The reads themselves are the store's (``commands.persistence``)."""

    def __init__(self, application: Application[Any]) -> None:
        recorder = application.recorder
        if not isinstance(recorder, ServiceRecorder):
            raise TypeError(f"{type(recorder).__name__} is not a recorder of the service's")
        self.recorder: ServiceRecorder = recorder
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
        """Up to ``limit`` events of ``topics`` after ``position``, decoded, in order."""
        rows = self.recorder.topic_rows(position, topics, limit)
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
        return self.recorder.streams_between(after, upto)

    def rows(self, position: int, limit: int) -> list[LogRow]:
        """Raw ``(position, stream id, version, topic, state)`` rows after ``position``."""
        return self._rows(position, limit, None)

    def stream_rows(self, stream_id: UUID, position: int, limit: int) -> list[LogRow]:
        """Raw rows of one stream after log ``position``, in order."""
        return self.recorder.stream_log_rows(stream_id, position, limit)

    def stream_page(
        self, stream_id: UUID, *, newest_first: bool, offset: int, limit: int
    ) -> list[LogRow]:
        """Raw rows of one stream, a page of them, oldest or newest first."""
        return self.recorder.stream_page(
            stream_id, newest_first=newest_first, offset=offset, limit=limit
        )

    def stream_length(self, stream_id: UUID) -> int:
        """How many events one stream has (its versions run from 1 without gaps)."""
        return self.recorder.stream_length(stream_id)

    def stream_events(self, stream_id: UUID) -> Iterator[tuple[int, Any]]:
        """One stream's events, decoded, in order."""
        position = 0
        while rows := self.stream_rows(stream_id, position, 1000):
            for row in rows:
                yield row[0], self._decode(row)
            position = rows[-1][0]

    def _rows(self, position: int, limit: int, stop: int | None) -> list[LogRow]:
        # No upper bound in the query: positions only grow, so at most ``stop - position``
        # rows can be wanted; any past ``stop`` are cut here.
        if stop is not None:
            limit = max(0, min(limit, stop - position))
            if not limit:
                return []
        rows = self.recorder.log_rows(position, limit)
        if stop is not None and rows and rows[-1][0] > stop:
            rows = [row for row in rows if row[0] <= stop]
        return rows
