"""Reading many streams in one query: what a batch of commands is about to decide on."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier


def load_streams(
    recorder: ApplicationRecorder, mapper: Mapper[UUID], stream_ids: Collection[UUID]
) -> dict[UUID, Any]:
    """Each stream folded into its aggregate (``None`` for a stream with no events)."""
    found: dict[UUID, Any] = dict.fromkeys(stream_ids)
    if not stream_ids:
        return found
    for originator_id, version, topic, state in _rows(recorder, list(stream_ids)):
        event: Any = mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
        found[originator_id] = event.mutate(found[originator_id])
    return found


def _rows(recorder: ApplicationRecorder, stream_ids: list[UUID]) -> list[tuple[Any, ...]]:
    if isinstance(recorder, PostgresApplicationRecorder):
        statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        with recorder.datastore.get_connection() as connection:
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(statement, (stream_ids,))
            return cursor.fetchall()
    if isinstance(recorder, SQLiteApplicationRecorder):
        marks = ",".join("?" * len(stream_ids))
        text = (  # the table name is the library's; the ids are parameters
            "SELECT originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {recorder.events_table_name} WHERE originator_id IN ({marks}) "
            "ORDER BY originator_id, originator_version"
        )
        with recorder.datastore.transaction(commit=False) as lite:
            lite.execute(text, [stream_id.hex for stream_id in stream_ids])
            return [
                (recorder.convert_originator_id(row[0]), row[1], row[2], row[3])
                for row in lite.fetchall()
            ]
    return [
        (e.originator_id, e.originator_version, e.topic, e.state)
        for stream_id in stream_ids
        for e in recorder.select_events(stream_id)
    ]
