"""The secrets' side table, ``secret_data_keys``: each value's data key, wrapped under the
master key, by value id; and one row, ``CHECK_ID``, holding the master key's check value.

It is the one mutable piece of the event store's database: a row is written in the same
transaction as the event of its value (``PutDataKey``, a side write of the command), and
deleted when the value is replaced or the secret deleted (``DropDataKey``), which makes the
ciphertext left in the log unreadable for good. ``faas-packages export`` and ``import``
carry it (``SecretDataKeys``, in ``commands.side_tables.SIDE_TABLES``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

TABLE = "secret_data_keys"
CHECK_ID = "master-key-check"
BINARY = {"sqlite": "BLOB", "postgres": "BYTEA"}


def create_statement(kind: str, qualified_name: str = TABLE) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified_name} "
        f"(value_id TEXT PRIMARY KEY, wrapped {BINARY[kind]} NOT NULL)"
    )


def _sql(kind: str, text: str) -> str:
    """``text`` with ``?`` parameters, in the store's style."""
    return text if kind == "sqlite" else text.replace("?", "%s")


@dataclass(frozen=True, slots=True)
class PutDataKey:
    """Keep a value's wrapped data key (a side write)."""

    value_id: str
    wrapped: bytes

    def apply(self, cursor: Any, kind: str) -> None:
        statement = f"INSERT INTO {TABLE} (value_id, wrapped) VALUES (?, ?)"
        cursor.execute(_sql(kind, statement), (self.value_id, self.wrapped))


@dataclass(frozen=True, slots=True)
class DropDataKey:
    """Destroy a value's data key (a side write): its ciphertext can never be read again."""

    value_id: str

    def apply(self, cursor: Any, kind: str) -> None:
        cursor.execute(_sql(kind, f"DELETE FROM {TABLE} WHERE value_id = ?"), (self.value_id,))


def wrapped_key(cursor: Any, kind: str, value_id: str) -> bytes | None:
    """The wrapped data key of a value (or the check value), if it is kept."""
    cursor.execute(_sql(kind, f"SELECT wrapped FROM {TABLE} WHERE value_id = ?"), (value_id,))
    row = cursor.fetchone()
    return None if row is None else bytes(row[0])


def put_check(cursor: Any, kind: str, check: bytes) -> None:
    """Keep the master key's check value, unless one is kept already (another process
    starting at the same time made it)."""
    statement = (
        f"INSERT INTO {TABLE} (value_id, wrapped) VALUES (?, ?) ON CONFLICT (value_id) DO NOTHING"
    )
    cursor.execute(_sql(kind, statement), (CHECK_ID, check))


def every_key(cursor: Any, kind: str) -> list[tuple[str, bytes]]:
    """Every row, the check value's included."""
    cursor.execute(f"SELECT value_id, wrapped FROM {TABLE} ORDER BY value_id")
    return [(str(row[0]), bytes(row[1])) for row in cursor.fetchall()]


def replace_key(cursor: Any, kind: str, value_id: str, wrapped: bytes) -> None:
    statement = f"UPDATE {TABLE} SET wrapped = ? WHERE value_id = ?"
    cursor.execute(_sql(kind, statement), (wrapped, value_id))


class SecretDataKeys:
    """The side table as export and import see it: rows ``{"valueId", "wrapped"}`` (base64)."""

    name = TABLE

    def count(self, cursor: Any, kind: str) -> int:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])

    def rows(self, cursor: Any, kind: str) -> Iterator[dict[str, Any]]:
        for value_id, wrapped in every_key(cursor, kind):
            yield {"valueId": value_id, "wrapped": base64.b64encode(wrapped).decode("ascii")}

    def load(self, cursor: Any, kind: str, rows: Iterable[dict[str, Any]]) -> None:
        statement = _sql(kind, f"INSERT INTO {TABLE} (value_id, wrapped) VALUES (?, ?)")
        cursor.executemany(
            statement, ((row["valueId"], base64.b64decode(row["wrapped"])) for row in rows)
        )
