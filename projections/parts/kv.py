"""The KV part of the read model: one row per entry that holds a value (strings, JSON values,
counters), keyed by the entry's stream id.

Every column of a row comes from the entry's last event alone (a counter's event records its
value after the change), so a row is written whole, whatever was there before: an expired row
that the background purge deleted from the live read model, and that a replay still holds, is
replaced alike when the key is written again. Rows whose time has passed are purged by the
leading projection runner (``projections.kv.purge_expired``); every read and ``rebuild
--verify`` leave them out by their time, purged or not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from commands.events import (
    KeysetRemoved,
    KvCounterChanged,
    KvCounterCreated,
    KvCounterDeleted,
    KvEntryCreated,
    KvEntryDeleted,
    KvValueSet,
)
from projections.database import Cursor, Database
from projections.rows import Row, iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

# Keys are ordered by their first characters, then by the whole key: an index entry holding
# a whole key of up to 1,000 characters (4,000 bytes of UTF-8) could pass PostgreSQL's limit
# of about 2,700 bytes per index row. 200 characters are at most 800 bytes.
KEY_HEAD_CHARACTERS = 200
ENTITY = "kv_entries"
_json = msgspec.json.Encoder()


@dataclass(slots=True)
class KvRow(Row):
    key: ClassVar[str] = "entry_id"
    entry_id: str
    registration_id: str
    keyset_id: int
    account_id: int
    kind: str
    key_head: str
    entry_key: str
    value: str  # the value as JSON text
    expires_dttm: str | None
    updated_dttm: str


TABLES = (
    Table(
        ENTITY,
        (
            ("entry_id", f"{SORTABLE} NOT NULL"),
            ("registration_id", f"{SORTABLE} NOT NULL"),
            ("keyset_id", "BIGINT NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("kind", f"{SORTABLE} NOT NULL"),
            ("key_head", f"{SORTABLE} NOT NULL"),
            ("entry_key", f"{SORTABLE} NOT NULL"),
            ("value", "TEXT NOT NULL"),
            ("expires_dttm", SORTABLE),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("entry_id",),
        indexes=(
            ("by_key", ("registration_id", "kind", "key_head")),
            ("by_expiry", ("expires_dttm",)),
        ),
        current_rows="expires_dttm IS NULL OR expires_dttm > ?",
    ),
)
WRITES = (KvEntryCreated, KvValueSet, KvCounterCreated, KvCounterChanged)
DELETES = (KvEntryDeleted, KvCounterDeleted)


def row_of(entry_id: str, event: Any) -> KvRow:
    """The row an entry's last write leaves."""
    counter = isinstance(event, KvCounterChanged)
    return KvRow(
        entry_id=entry_id,
        registration_id=event.registration_id,
        keyset_id=event.keyset_id,
        account_id=event.account_id,
        kind=event.kind,
        key_head=event.key[:KEY_HEAD_CHARACTERS],
        entry_key=event.key,
        value=_json.encode(event.value).decode(),
        expires_dttm=None if counter else event.expires_at,
        updated_dttm=iso_millis(event.timestamp),
    )


class KvPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset({*WRITES, *DELETES, KeysetRemoved})

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        """Each entry as the batch's last event of it leaves it (a row, or none); a removed
        keyset's registration loses every row."""
        write_last_rows(database, cursor, generation.table(ENTITY), KvRow, events, DELETES, row_of)


def write_last_rows(
    database: Database,
    cursor: Cursor,
    table: str,
    row_type: type[Row],
    events: Sequence[tuple[str, Any]],
    deletes: tuple[type, ...],
    row_of: Callable[[str, Any], Any],
) -> None:
    """Rows of a keyset's entries (KV entries, secrets: rows with a ``registration_id``),
    keyed by stream id, each as its last event in ``events`` leaves it: ``row_of`` it, none
    after one of ``deletes``; ``KeysetRemoved`` deletes every row of its registration."""
    rows: dict[str, Any] = {}
    removed: list[str] = []
    for entry_id, event in events:
        if isinstance(event, KeysetRemoved):
            removed.append(event.registration_id)
            for known, row in rows.items():
                if row is not None and row.registration_id == event.registration_id:
                    rows[known] = None
        elif isinstance(event, deletes):
            rows[entry_id] = None
        else:
            rows[entry_id] = row_of(entry_id, event)
    key = row_type.key
    with database.pipelined(cursor):
        database.delete(cursor, table, "registration_id", removed)
        database.delete(cursor, table, key, sorted(k for k, row in rows.items() if row is None))
        written = [row.values() for _, row in sorted(rows.items()) if row is not None]
        database.upsert(cursor, table, row_type.columns(), key, written)
