"""``verify-log``: the chain made again from the log as it is stored now, compared with the
links the notary wrote when it first saw each event (and, given an anchored head, with that).
The first position where they part is where the log was changed, deleted from or added to."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from psycopg.sql import SQL, Composable, Literal

from projections.database import Database, PostgresDatabase
from projections.notary import GENESIS, START, Head, event_digest, link_after, notary_head
from projections.source import EventLog

Progress = Callable[[int, int], None]
Item = tuple[int, bytes]  # (position, an event's digest or a notarized link)
Chunk = tuple[list[Item], list[Item]]  # a range's events and links, each in position order
# Positions per row of the server's answer (one message: few messages, little Python).
CHUNK = 2000
_item = struct.Struct(">q32s")


@dataclass(frozen=True, slots=True)
class Finding:
    position: int
    what: str

    def __str__(self) -> str:
        return f"position {self.position}: {self.what}"


CHANGED = "the event differs from the one notarized (changed)"
DELETED = "the notarized event is missing from the log (deleted)"
INSERTED = "an event that was never notarized is in the log (inserted)"


@dataclass(frozen=True, slots=True)
class Verification:
    head: Head  # the notary's head, which the log was compared up to
    events: int  # events compared
    finding: Finding | None  # the first difference, if any
    anchored: bool | None = None  # whether the log still extends the anchored head

    @property
    def intact(self) -> bool:
        return self.finding is None and self.anchored is not False


def verify_log(
    database: Database,
    log: EventLog,
    against: Head | None = None,
    progress: Progress | None = None,
) -> Verification:
    """Compare the log with the notary up to the notary's head (and up to ``against``'s
    position, whose link the log must still make)."""
    with database.read() as cursor:
        head = notary_head(database, cursor)
    bound = max(head.position, 0 if against is None else against.position)
    if isinstance(database, PostgresDatabase):
        events_table = cast(Any, log.recorder).events_table
        chunks = _postgres_chunks(database, events_table, bound)
    else:
        chunks = _local_chunks(database, log, bound)
    return _compare(chunks, head, against, bound, progress)


def _compare(
    chunks: Iterator[Chunk],
    head: Head,
    against: Head | None,
    bound: int,
    progress: Progress | None,
) -> Verification:
    """Walk both sides in position order, a range of positions at a time, making the chain
    again from the events' digests."""
    anchored = None if against is None else against == START
    previous, compared = GENESIS, 0
    for events, links in chunks:
        taken = 0
        for position, digest in events:
            if taken < len(links) and links[taken][0] < position:
                return Verification(head, compared, Finding(links[taken][0], DELETED), anchored)
            previous = link_after(previous, digest)
            if taken < len(links) and links[taken][0] == position:
                if previous != links[taken][1]:
                    return Verification(head, compared, Finding(position, CHANGED), anchored)
                taken += 1
            elif position <= head.position:
                return Verification(head, compared, Finding(position, INSERTED), anchored)
            compared += 1
            if against is not None and position == against.position:
                anchored = previous.hex() == against.link
        if taken < len(links):
            return Verification(head, compared, Finding(links[taken][0], DELETED), anchored)
        if progress is not None and events:
            progress(events[-1][0], bound)
    return Verification(head, compared, None, anchored)


def _local_chunks(database: Database, log: EventLog, bound: int) -> Iterator[Chunk]:
    """Each range's events (their digests made here) and links, read apart (on SQLite the
    notary is in the read model's file, the log in its own)."""
    start = 0
    while start < bound:
        end = min(start + CHUNK, bound)
        rows = [row for row in log.rows(start, CHUNK) if row[0] <= end]
        events = [(r[0], event_digest(r[0], str(r[1]), r[2], r[3], r[4])) for r in rows]
        stored = database.query(
            "SELECT position, link FROM log_notary WHERE position > ? AND position <= ? "
            "ORDER BY position",
            (start, end),
        )
        yield events, [(int(row[0]), bytes.fromhex(row[1])) for row in stored]
        start = end


def _postgres_chunks(
    database: PostgresDatabase, events_table: Composable, bound: int
) -> Iterator[Chunk]:
    """Both sides from one statement, at one snapshot: the server makes each event's digest
    (the bytes ``event_digest`` hashes) and sends a range's digests and links in one row."""
    statement = SQL(RANGES).format(
        last=Literal(max(bound - 1, 0)),
        chunk=Literal(CHUNK),
        bound=Literal(bound),
        events=events_table,
    )
    start = -1
    with (
        database.pool.connection() as connection,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        copy.set_types(["int8", "bytea", "bytea"])
        for row in copy.rows():
            if row[0] <= start:
                raise RuntimeError("the server sent ranges out of order")
            start = row[0]
            yield _items(row[1]), _items(row[2])


def _items(blob: bytes | None) -> list[Item]:
    return [] if blob is None else list(_item.iter_unpack(blob))


RANGES = """COPY (
SELECT g.start, e.blob, n.blob FROM generate_series(0, {last}, {chunk}) AS g(start)
CROSS JOIN LATERAL (
    SELECT string_agg(int8send(notification_id) || sha256(
        int8send(notification_id) || int8send(originator_version)
        || int4send(octet_length(originator_id::text)) || convert_to(originator_id::text, 'UTF8')
        || int4send(octet_length(topic)) || convert_to(topic, 'UTF8') || state
    ), ''::bytea ORDER BY notification_id) AS blob
    FROM {events}
    WHERE notification_id > g.start AND notification_id <= LEAST(g.start + {chunk}, {bound})
) AS e
CROSS JOIN LATERAL (
    SELECT string_agg(int8send(position) || decode(link, 'hex'), ''::bytea ORDER BY position)
        AS blob
    FROM log_notary WHERE position > g.start AND position <= LEAST(g.start + {chunk}, {bound})
) AS n
) TO STDOUT (FORMAT BINARY)"""
