"""The secrets part of the read model: one row per secret that holds a value, keyed by its
stream id: its key and times, never its value or ciphertext. Every column comes from the
secret's last event alone (``SecretSet`` carries when the secret was made)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from commands.events import KeysetRemoved, SecretCreated, SecretDeleted, SecretSet
from projections.database import Cursor, Database
from projections.parts.kv import KEY_HEAD_CHARACTERS, write_last_rows
from projections.rows import Row, iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

ENTITY = "secrets"


@dataclass(slots=True)
class SecretRow(Row):
    key: ClassVar[str] = "secret_id"
    secret_id: str
    registration_id: str
    keyset_id: int
    account_id: int
    key_head: str
    secret_key: str
    created_dttm: str
    updated_dttm: str


TABLES = (
    Table(
        ENTITY,
        (
            ("secret_id", f"{SORTABLE} NOT NULL"),
            ("registration_id", f"{SORTABLE} NOT NULL"),
            ("keyset_id", "BIGINT NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("key_head", f"{SORTABLE} NOT NULL"),
            ("secret_key", f"{SORTABLE} NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("secret_id",),
        indexes=(("by_key", ("registration_id", "key_head")),),
    ),
)


def row_of(secret_id: str, event: SecretSet) -> SecretRow:
    return SecretRow(
        secret_id=secret_id,
        registration_id=event.registration_id,
        keyset_id=event.keyset_id,
        account_id=event.account_id,
        key_head=event.key[:KEY_HEAD_CHARACTERS],
        secret_key=event.key,
        created_dttm=event.created_at,
        updated_dttm=iso_millis(event.timestamp),
    )


class SecretsPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset({SecretCreated, SecretSet, SecretDeleted, KeysetRemoved})

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        """Each secret as the batch's last event of it leaves it (a row, or none); a removed
        keyset's registration loses every row."""
        table = generation.table(ENTITY)
        write_last_rows(database, cursor, table, SecretRow, events, (SecretDeleted,), row_of)
