"""Side tables: rows kept in the event store's database beside the log that the log cannot make
again (a secret's wrapped data key, for instance, is destroyed on purpose and never written
as an event). The read model and the snapshots are not side tables: they are made from the
log. ``faas-packages export`` writes every side table's rows after the events, and ``import``
loads them into the new store in the same transaction as the events.

To add one: a class with the methods of ``SideTable``, listed at the end of ``SIDE_TABLES``.
Its ``name`` is part of the export format: never change it once exported; change the shape of
its rows only in ways ``load`` still reads (``docs/log.md``, "Side tables").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from commands.persistence.secret_keys import SecretDataKeys


class SideTable(Protocol):
    """One table, read and written through the export's or import's own transaction.

    ``cursor`` is that transaction's DB-API cursor (sqlite3's, or psycopg's with tuple rows)
    and ``kind`` the store it is on (``"sqlite"`` or ``"postgres"``): the table's SQL is its
    own, in each store's dialect. Rows are JSON objects (str, int, float, bool, None, lists
    and objects of them; bytes as base64 text)."""

    name: str

    def count(self, cursor: Any, kind: str) -> int:
        """How many rows the table has."""

    def rows(self, cursor: Any, kind: str) -> Iterator[dict[str, Any]]:
        """Every row, in a stable order (streamed: a table may be large)."""

    def load(self, cursor: Any, kind: str, rows: Iterable[dict[str, Any]]) -> None:
        """Insert rows read from an export (the table is empty before the first call)."""


SIDE_TABLES: tuple[SideTable, ...] = (SecretDataKeys(),)
