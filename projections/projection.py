"""A batch of events applied to the read model: each part of it (``projections.parts``) its
events, then the tracking position, all in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.database import Cursor, Database
from projections.parts import PARTS
from projections.schema import Generation, set_position

READ_MODEL_CHANNEL = "faas_read_model"


def apply_batch(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    events: Sequence[tuple[int, Any]],
) -> int:
    """Apply ``(position, event)`` pairs to ``generation`` within the caller's transaction;
    returns the new tracking position."""
    stream_ids: dict[Any, str] = {}
    for part in PARTS:
        handled = [
            (stream_ids.setdefault(event.originator_id, str(event.originator_id)), event)
            for _, event in events
            if type(event) in part.events
        ]
        if handled:
            part.apply(database, cursor, generation, handled)
    position: int = events[-1][0]
    with database.pipelined(cursor):
        set_position(database, cursor, generation.number, position)
        if database.name == "postgres":
            cursor.execute(f"SELECT pg_notify('{READ_MODEL_CHANNEL}', %s)", (str(position),))
    return position
