"""Whether the event store's tables exist yet. On PostgreSQL the library's statements that make
them (``CREATE TABLE IF NOT EXISTS``, ``CREATE INDEX IF NOT EXISTS``, ``CREATE OR REPLACE
FUNCTION``) need the right to create in the schema, or to own the tables, even when nothing is
missing: so they run only when something is, and a role with no such right (the service's, in
production) can open a store that ``faas-packages init`` made."""

from __future__ import annotations

import re
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.postgres import PostgresAggregateRecorder

# The objects the library makes, as its statements name them: a table or a type by its
# qualified name, an index by its own name in the schema of the table it is on.
CREATED = re.compile(
    r"CREATE (?:UNIQUE )?(?P<kind>TABLE|INDEX|TYPE) (?:IF NOT EXISTS )?"
    r'(?P<name>"[^"]+"(?:\."[^"]+")?)(?: ON (?P<schema>"[^"]+")\.)?'
)


def postgres_objects(application: Application[Any]) -> list[tuple[str, str]]:
    """``(kind, qualified name)`` of every table, index and type the store's recorders make
    (none on SQLite, whose file is the store's to change)."""
    recorders: list[Any] = [application.recorder]
    if application.snapshots is not None:
        recorders.append(application.snapshots.recorder)
    found: list[tuple[str, str]] = []
    for recorder in recorders:
        if not isinstance(recorder, PostgresAggregateRecorder):
            continue
        for statement in recorder.sql_create_statements:
            made = CREATED.match(statement.as_string().strip())
            if made is not None:
                schema = made["schema"]
                name = f"{schema}.{made['name']}" if schema else made["name"]
                found.append((made["kind"], name))
    return list(dict.fromkeys(found))


def missing_objects(conninfo: str, objects: list[tuple[str, str]]) -> list[str]:
    """The names of ``objects`` the database does not have."""
    if not objects:
        return []
    with psycopg.connect(conninfo, autocommit=True) as connection:
        return [
            name
            for kind, name in objects
            if connection.execute(_lookup(kind), (name,)).fetchone() == (None,)
        ]


def _lookup(kind: str) -> str:
    return "SELECT to_regtype(%s)" if kind == "TYPE" else "SELECT to_regclass(%s)"
