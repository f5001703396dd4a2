"""A read-model table as one value: its columns, key and indexes. Each generation has its own
copy (``rm_g<n>_<entity>``); readers see the live one through the view ``rm_<entity>``."""

from __future__ import annotations

from dataclasses import dataclass

from projections.database import Database

# A column type that sorts bytewise on every store (``Database.sortable_text``).
SORTABLE = "{text}"


@dataclass(frozen=True)
class Table:
    entity: str
    # (name, SQL type and constraints), in order; ``{text}`` is sortable text.
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    # (name suffix, columns) of each secondary index.
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # A condition (one ``?``: the time, ISO-8601 UTC) that rows hold while they are current;
    # rows past their time are left out of comparisons (a purge may have removed them from
    # the live read model, and a replay still has them).
    current_rows: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def create_statement(self, database: Database, generation: int) -> str:
        columns = ", ".join(
            f"{name} {kind.format(text=database.sortable_text)}" for name, kind in self.columns
        )
        return (
            f"CREATE TABLE IF NOT EXISTS rm_g{generation}_{self.entity} "
            f"({columns}, PRIMARY KEY ({', '.join(self.key)}))"
        )

    def index_statements(self, generation: int) -> list[str]:
        table = f"rm_g{generation}_{self.entity}"
        return [
            f"CREATE INDEX IF NOT EXISTS {table}_{suffix} ON {table} ({', '.join(columns)})"
            for suffix, columns in self.indexes
        ]
