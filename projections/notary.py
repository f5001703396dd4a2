"""The notary: a hash chain over the log, kept beside the read model, so that an event changed,
deleted or inserted in the store after it was written can be found (``verify-log``).

Each event's link is ``SHA-256(previous link || SHA-256(event))``, where the event's bytes are
its position and version (8-byte big-endian integers each), its stream id as text and its
topic (each preceded by its length in UTF-8 bytes, a 4-byte big-endian integer), and its
stored state as stored (which holds the rest of its metadata: time, account, actor,
correlation id). The first link's previous link is 32 zero bytes. Links are kept as hex, one
row per event, in ``log_notary``; the newest is the head.

The notary follows the log like a projection: each step reads the events after its head and
writes their links in one transaction. Unlike the read model it is never rebuilt from the
log: it is the record of what the log held when each event was first seen.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from projections.database import Cursor, Database
from projections.schema import table_exists
from projections.source import EventLog

GENESIS = bytes(32)
NOTARY_TABLE = """CREATE TABLE IF NOT EXISTS log_notary (
    position BIGINT PRIMARY KEY,
    link TEXT NOT NULL)"""
# Events notarized per transaction.
STEP_SIZE = 5000
_numbers = struct.Struct(">qq")
_length = struct.Struct(">i")


@dataclass(frozen=True, slots=True)
class Head:
    """The newest link: anchoring it elsewhere lets a later check tell that the log still
    extends it (``verify-log --against``)."""

    position: int
    link: str

    def __str__(self) -> str:
        return f"{self.position}:{self.link}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """``<position>:<64 hex digits>``, as ``verify-log --head`` prints it."""
        position, _, link = text.strip().partition(":")
        if not position.isdigit() or len(link) != 64 or not _is_hex(link):
            raise ValueError(f"not a head (<position>:<64 hex digits>): {text!r}")
        return cls(int(position), link.lower())


START = Head(0, GENESIS.hex())


def event_digest(position: int, stream_id: str, version: int, topic: str, state: bytes) -> bytes:
    """SHA-256 of an event's bytes as the chain takes them (``postgres_verification`` makes
    the same on the server)."""
    stream, name = stream_id.encode(), topic.encode()
    return hashlib.sha256(
        b"".join(
            (
                _numbers.pack(position, version),
                _length.pack(len(stream)),
                stream,
                _length.pack(len(name)),
                name,
                state,
            )
        )
    ).digest()


def link_after(previous: bytes, digest: bytes) -> bytes:
    return hashlib.sha256(previous + digest).digest()


class Notary:
    """Keeps the chain up to the head of the log, a step at a time."""

    def __init__(self, database: Database, log: EventLog, step_size: int = STEP_SIZE) -> None:
        self.database = database
        self.log = log
        self.step_size = step_size

    def head(self) -> Head:
        with self.database.read() as cursor:
            return notary_head(self.database, cursor)

    def step(self) -> int | None:
        """Notarize the events after the head (up to a step's worth) in one transaction; the
        new head's position, or ``None`` when there was nothing new. The head is read again
        inside the transaction, so two notaries at once never write a link twice."""
        with self.database.write() as cursor:
            head = notary_head(self.database, cursor)
            rows = self.log.rows(head.position, self.step_size)
            if not rows:
                return None
            links = list(chain_links(bytes.fromhex(head.link), rows))
            self.database.insert(cursor, "log_notary", ("position", "link"), links)
            return int(links[-1][0])

    def catch_up(self) -> Head:
        while self.step() is not None:
            pass
        return self.head()


def chain_links(
    previous: bytes, rows: Iterable[tuple[int, UUID, int, str, bytes]]
) -> Iterable[tuple[int, str]]:
    """``(position, link)`` of each row, chained on from ``previous``."""
    for position, stream_id, version, topic, state in rows:
        previous = link_after(
            previous, event_digest(position, str(stream_id), version, topic, state)
        )
        yield position, previous.hex()


def ensure_notary(database: Database) -> None:
    """Make the notary's table if it is missing (as ``ensure_schema`` makes the read model's)."""
    with database.write() as cursor:
        if not table_exists(database, cursor, "log_notary"):
            cursor.execute(NOTARY_TABLE)


def notary_head(database: Database, cursor: Cursor) -> Head:
    cursor.execute("SELECT position, link FROM log_notary ORDER BY position DESC LIMIT 1")
    row = cursor.fetchone()
    return START if row is None else Head(int(row[0]), str(row[1]))


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True
