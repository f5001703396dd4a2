"""Read-model tables, kept in *generations*.

Each generation is a full set of tables (``rm_g<n>_packages`` …) with its own tracking
position in ``rm_generations``. Readers use the views ``rm_packages`` …, which point at the
active generation. A rebuild fills a new generation while the active one keeps serving, then
switches the views and the active flag in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.database import Cursor, Database
from projections.failure import FAILURES_TABLE
from projections.parts import TABLES

# Bump when a table changes shape: the service then asks for a rebuild into a new generation.
SCHEMA_VERSION = 6

LIVE, REBUILD, VERIFY = "live", "rebuild", "verify"


@dataclass(frozen=True, slots=True)
class Generation:
    number: int
    position: int
    purpose: str

    def table(self, entity: str) -> str:
        return f"rm_g{self.number}_{entity}"


def table_statements(database: Database, generation: int) -> list[str]:
    """``CREATE TABLE`` statements of one generation (primary keys only)."""
    return [table.create_statement(database, generation) for table in TABLES]


def index_statements(generation: int) -> list[str]:
    """The secondary indexes the queries use; a rebuild adds them after filling the tables,
    when building them in one pass is cheaper than keeping them up to date row by row."""
    return [statement for table in TABLES for statement in table.index_statements(generation)]


def create_indexes(database: Database, generation: Generation) -> None:
    with database.write() as cursor:
        for statement in index_statements(generation.number):
            cursor.execute(statement)


GENERATIONS_TABLE = """CREATE TABLE IF NOT EXISTS rm_generations (
    generation INTEGER PRIMARY KEY,
    position BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    schema_version INTEGER NOT NULL)"""


def ensure_schema(database: Database) -> Generation:
    """Make the tables of a new read model (generation 1) if there are none; the live one.
    Statements that make tables run only for tables that are missing: on PostgreSQL even
    ``CREATE TABLE IF NOT EXISTS`` needs the right to create, which the service's role may
    lack once the tables exist (``faas-packages init``)."""
    with database.write() as cursor:
        for table, statement in (
            ("rm_generations", GENERATIONS_TABLE),
            ("rm_projection_failures", FAILURES_TABLE),
        ):
            if not table_exists(database, cursor, table):
                cursor.execute(statement)
        live = live_generation(database, cursor)
        if live is not None:
            return live
        create_generation(database, cursor, 1, LIVE)
        _point_views_at(database, cursor, 1)
        return Generation(1, 0, LIVE)


def table_exists(database: Database, cursor: Cursor, name: str) -> bool:
    """Whether a table (or view) of that name exists where unqualified names are found."""
    if database.name == "postgres":
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
    else:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?)", (name,))
    return bool(cursor.fetchone()[0])


def is_outdated(database: Database) -> bool:
    """Whether the live generation was built with an older table shape than this code's."""
    with database.read() as cursor:
        cursor.execute(
            database.sql("SELECT schema_version FROM rm_generations WHERE purpose = ?"), (LIVE,)
        )
        row = cursor.fetchone()
    return row is not None and int(row[0]) < SCHEMA_VERSION


def live_generation(database: Database, cursor: Cursor) -> Generation | None:
    return _generation_where(database, cursor, "purpose = ?", LIVE)


def generation_for(database: Database, cursor: Cursor, purpose: str) -> Generation | None:
    """The newest generation kept for ``purpose``, if any."""
    return _generation_where(database, cursor, "purpose = ?", purpose)


def reload(database: Database, cursor: Cursor, generation: Generation) -> Generation | None:
    """The generation as stored now (its purpose and position may have moved)."""
    return _generation_where(database, cursor, "generation = ?", generation.number)


def live_generation_now(database: Database) -> Generation | None:
    """The live generation as stored now, read in one statement outside any transaction."""
    rows = database.query(_generation_statement("purpose = ?"), (LIVE,))
    return _generation_of(rows[0]) if rows else None


def _generation_where(
    database: Database, cursor: Cursor, condition: str, value: Any
) -> Generation | None:
    cursor.execute(database.sql(_generation_statement(condition)), (value,))
    row = cursor.fetchone()
    return None if row is None else _generation_of(row)


def _generation_statement(condition: str) -> str:
    return (
        "SELECT generation, position, purpose FROM rm_generations "
        f"WHERE {condition} ORDER BY generation DESC LIMIT 1"
    )


def _generation_of(row: Any) -> Generation:
    return Generation(int(row[0]), int(row[1]), str(row[2]))


def create_generation(
    database: Database, cursor: Cursor, number: int, purpose: str, *, indexed: bool = True
) -> Generation:
    statements = table_statements(database, number)
    for statement in statements + (index_statements(number) if indexed else []):
        cursor.execute(statement)
    cursor.execute(
        database.sql(
            "INSERT INTO rm_generations (generation, position, purpose, schema_version) "
            "VALUES (?, 0, ?, ?)"
        ),
        (number, purpose, SCHEMA_VERSION),
    )
    return Generation(number, 0, purpose)


def next_generation_number(database: Database, cursor: Cursor) -> int:
    cursor.execute("SELECT COALESCE(MAX(generation), 0) FROM rm_generations")
    return int(cursor.fetchone()[0]) + 1


def set_position(database: Database, cursor: Cursor, generation: int, position: int) -> None:
    cursor.execute(
        database.sql("UPDATE rm_generations SET position = ? WHERE generation = ?"),
        (position, generation),
    )


def make_live(database: Database, cursor: Cursor, generation: Generation) -> int:
    """Switch readers and the projection to ``generation``; returns the retired number."""
    live = live_generation(database, cursor)
    assert live is not None
    cursor.execute(
        database.sql("UPDATE rm_generations SET purpose = ? WHERE generation = ?"),
        ("retired", live.number),
    )
    cursor.execute(
        database.sql("UPDATE rm_generations SET purpose = ? WHERE generation = ?"),
        (LIVE, generation.number),
    )
    _point_views_at(database, cursor, generation.number)
    return live.number


def drop_generation(database: Database, cursor: Cursor, number: int) -> None:
    for entity in (table.entity for table in TABLES):
        cursor.execute(f"DROP TABLE IF EXISTS rm_g{number}_{entity}")
    cursor.execute(database.sql("DELETE FROM rm_generations WHERE generation = ?"), (number,))


def _point_views_at(database: Database, cursor: Cursor, number: int) -> None:
    for entity in (table.entity for table in TABLES):
        cursor.execute(f"DROP VIEW IF EXISTS rm_{entity}")
        cursor.execute(f"CREATE VIEW rm_{entity} AS SELECT * FROM rm_g{number}_{entity}")
