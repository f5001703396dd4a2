"""Reading many streams in one query: what a batch of commands is about to decide on."""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Identifier


def load_streams(
    recorder: ApplicationRecorder,
    mapper: Mapper[UUID],
    stream_ids: Collection[UUID],
    known: Mapping[UUID, Any] | None = None,
) -> dict[UUID, Any]:
    """Each stream folded into its aggregate (``None`` for a stream with no events). A
    stream of ``known`` is read only after the version known, and folded onto a copy of it."""
    known = known or {}
    found: dict[UUID, Any] = dict.fromkeys(stream_ids)
    found.update((stream_id, copy.deepcopy(aggregate)) for stream_id, aggregate in known.items())
    if not found:
        return found
    after = {stream_id: 0 for stream_id in stream_ids}
    after.update((stream_id, aggregate.version) for stream_id, aggregate in known.items())
    for originator_id, version, topic, state in _rows(recorder, after):
        event: Any = mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
        found[originator_id] = event.mutate(found[originator_id])
    return found


def _rows(recorder: ApplicationRecorder, after: dict[UUID, int]) -> list[tuple[Any, ...]]:
    """The events of each stream after its version, in stream and version order."""
    if isinstance(recorder, PostgresApplicationRecorder):
        # One index lookup per part, whatever the table's statistics say: a join with the
        # list of streams can be planned as a scan of the whole log.
        columns = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
        ).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
        )
        parts: list[Composable] = []
        params: list[Any] = []
        whole = [stream_id for stream_id, version in after.items() if not version]
        if whole:
            parts.append(columns + SQL("WHERE originator_id = ANY(%s)"))
            params.append(whole)
        for stream_id, version in after.items():
            if version:
                parts.append(columns + SQL("WHERE originator_id = %s AND originator_version > %s"))
                params += [stream_id, version]
        statement = SQL(" UNION ALL ").join(SQL("({})").format(part) for part in parts)
        with recorder.datastore.get_connection() as connection:
            cursor = connection.cursor(row_factory=tuple_row)
            cursor.execute(statement + SQL(" ORDER BY 1, 2"), params)
            return cursor.fetchall()
    if isinstance(recorder, SQLiteApplicationRecorder):
        conditions = " OR ".join(["(originator_id = ? AND originator_version > ?)"] * len(after))
        text = (  # the table name is the library's; the ids and versions are parameters
            "SELECT originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {recorder.events_table_name} WHERE {conditions} "
            "ORDER BY originator_id, originator_version"
        )
        params = [
            value
            for stream_id, after_version in after.items()
            for value in (stream_id.hex, after_version)
        ]
        with recorder.datastore.transaction(commit=False) as lite:
            lite.execute(text, params)
            return [
                (recorder.convert_originator_id(row[0]), row[1], row[2], row[3])
                for row in lite.fetchall()
            ]
    return [
        (e.originator_id, e.originator_version, e.topic, e.state)
        for stream_id, version in after.items()
        for e in recorder.select_events(stream_id, gt=version or None)
    ]
