"""Where the live read model stands, and which streams the log holds events of since a point:
what a process needs to know that a row it keeps is still the row the read model has."""

from __future__ import annotations

import asyncio
import weakref
from contextlib import suppress
from typing import Any, Protocol

import psycopg
from psycopg.sql import SQL, Composable

from projections.database import Database, DatabaseUnavailableError
from projections.schema import LIVE, Generation, live_generation_now
from projections.source import EventLog

# Past this many events since the last point, "every stream" is the cheaper answer.
MAX_LISTED_EVENTS = 10_000
# No stream has an event after this position: for a point that lists no changes.
NO_EVENTS_AFTER = 2**62


class Changes(Protocol):
    async def since(self, checked: Generation | None) -> tuple[Generation | None, set[str] | None]:
        """The live point now, and the ids of the streams with events between ``checked``
        and it; ``None`` for "any stream may have changed" (a new generation, no earlier
        point, or too many events to list)."""

    async def close(self) -> None:
        """Let go of what this event loop holds."""


def comparable(checked: Generation | None, point: Generation) -> bool:
    return (
        checked is not None
        and checked.number == point.number
        and 0 <= point.position - checked.position <= MAX_LISTED_EVENTS
    )


class ThreadedChanges:
    """Two queries in a worker thread: the read model's point, then the log (they may be two
    SQLite files)."""

    def __init__(self, database: Database, log: EventLog) -> None:
        self._database = database
        self._log = log

    async def since(self, checked: Generation | None) -> tuple[Generation | None, set[str] | None]:
        return await asyncio.to_thread(self._since, checked)

    def _since(self, checked: Generation | None) -> tuple[Generation | None, set[str] | None]:
        point = live_generation_now(self._database)
        if point is None or checked is None or not comparable(checked, point):
            return point, None
        if point.position == checked.position:
            return point, set()
        return point, self._log.streams_between(checked.position, point.position)

    async def close(self) -> None:
        return None


class PostgresChanges:
    """One statement on the event loop's own connection (read model and log share the
    database): no worker thread and no pool check in the way of every round of GETs. A lost
    connection is the round's error (503) and is opened again by the next round."""

    def __init__(self, conninfo: str, events_table: Composable, timeout: float) -> None:
        self._conninfo = conninfo
        self._timeout = timeout
        self._statement = SQL(
            "SELECT g.generation, g.position, ARRAY("
            "SELECT DISTINCT e.originator_id::text FROM {events} e "
            "WHERE e.notification_id > %s AND e.notification_id <= g.position LIMIT %s) "
            "FROM rm_generations g WHERE g.purpose = %s"
        ).format(events=events_table)
        self._connections: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, psycopg.AsyncConnection[Any]
        ] = weakref.WeakKeyDictionary()

    async def since(self, checked: Generation | None) -> tuple[Generation | None, set[str] | None]:
        after = NO_EVENTS_AFTER if checked is None else checked.position
        try:
            # Bounded: a connection whose peer went silent would otherwise hold every GET.
            row = await asyncio.wait_for(self._read(after), self._timeout)
        except (psycopg.Error, TimeoutError) as error:
            await self._drop()
            raise DatabaseUnavailableError(str(error) or "the check timed out") from error
        if row is None:
            return None, None
        point = Generation(int(row[0]), int(row[1]), LIVE)
        if not comparable(checked, point) or len(row[2]) >= MAX_LISTED_EVENTS:
            return point, None
        return point, set(row[2])

    async def _read(self, after: int) -> Any:
        connection = await self._connection()
        cursor = await connection.execute(self._statement, (after, MAX_LISTED_EVENTS, LIVE))
        return await cursor.fetchone()

    async def _drop(self) -> None:
        """Forget the loop's connection (closing it may itself fail or hang: not waited)."""
        connection = self._connections.pop(asyncio.get_running_loop(), None)
        if connection is not None:
            with suppress(psycopg.Error, TimeoutError):
                await asyncio.wait_for(connection.close(), self._timeout)

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        connection = self._connections.get(loop)
        if connection is None or connection.closed:
            connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
            self._connections[loop] = connection
        return connection

    async def close(self) -> None:
        await self._drop()
