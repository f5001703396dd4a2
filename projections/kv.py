"""Reads of the KV store, and the purge of entries whose time has passed. Every read leaves
out an entry past its time, whether or not it has been purged yet."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from projections.database import Database
from projections.parts.kv import ENTITY, KEY_HEAD_CHARACTERS
from projections.rows import iso_millis
from projections.schema import live_generation

# Rows purged per transaction, and transactions per round: each holds the read model's write
# lock (and so the projection) for a moment only, and no command ever waits for it.
PURGE_CHUNK = 500
PURGE_CHUNKS_PER_ROUND = 20
CURRENT = "(expires_dttm IS NULL OR expires_dttm > ?)"
COLUMNS = "entry_key, value, expires_dttm"


@dataclass(frozen=True, slots=True)
class KvRecord:
    key: str
    value: str  # the value as JSON text
    expires_dttm: str | None


def now_text() -> str:
    return iso_millis(datetime.now(UTC))


def kv_entry(database: Database, entry_id: UUID, now: str) -> KvRecord | None:
    """The entry, if it holds a value at ``now``."""
    rows = database.query(
        f"SELECT {COLUMNS} FROM rm_{ENTITY} WHERE entry_id = ? AND {CURRENT}",
        (str(entry_id), now),
    )
    return KvRecord(*rows[0]) if rows else None


def kv_entries(
    database: Database,
    registration_id: str,
    kind: str,
    *,
    prefix: str,
    after: str | None,
    limit: int,
    now: str,
) -> list[KvRecord]:
    """Up to ``limit`` entries of a kind holding a value at ``now``, in key order (code
    point order, the same on every store), whose key starts with ``prefix``, after the key
    ``after``."""
    conditions = ["registration_id = ?", "kind = ?", CURRENT]
    params: list[Any] = [registration_id, kind, now]
    head = prefix[:KEY_HEAD_CHARACTERS]
    if head:
        conditions.append("key_head >= ?")
        params.append(head)
        upper = successor(head)
        if upper is not None:
            conditions.append("key_head < ?")
            params.append(upper)
    if len(prefix) > len(head):
        conditions.append("substr(entry_key, 1, ?) = ?")
        params += [len(prefix), prefix]
    if after is not None:
        conditions.append("(key_head > ? OR (key_head = ? AND entry_key > ?))")
        params += [after[:KEY_HEAD_CHARACTERS], after[:KEY_HEAD_CHARACTERS], after]
    rows = database.query(
        f"SELECT {COLUMNS} FROM rm_{ENTITY} WHERE {' AND '.join(conditions)} "
        "ORDER BY key_head, entry_key LIMIT ?",
        (*params, limit),
    )
    return [KvRecord(*row) for row in rows]


def successor(prefix: str) -> str | None:
    """The least text after every text that starts with ``prefix`` (in code point order),
    or ``None`` when there is none (a prefix of U+10FFFF only)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if last == 0xD800:  # surrogates are never stored
            last = 0xE000
        if last <= sys.maxunicode:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def purge_expired(database: Database) -> int:
    """Delete rows past their time from the live read model, a chunk per transaction;
    how many were deleted."""
    purged = 0
    for _ in range(PURGE_CHUNKS_PER_ROUND):
        with database.write() as cursor:
            live = live_generation(database, cursor)
            if live is None:
                return purged
            table = live.table(ENTITY)
            cursor.execute(
                database.sql(
                    f"DELETE FROM {table} WHERE entry_id IN (SELECT entry_id FROM {table} "
                    "WHERE expires_dttm <= ? LIMIT ?)"
                ),
                (now_text(), PURGE_CHUNK),
            )
            count = max(0, int(cursor.rowcount))
        purged += count
        if count < PURGE_CHUNK:
            break
    return purged
