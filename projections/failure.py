"""An event the projection cannot apply: which one, why, and a record of it in the read
model's database, so that every process (readiness, metrics, the command line) can tell that
the read model has stopped, and where."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from projections.database import Cursor, Database, DatabaseUnavailableError

# Failures of the store itself rather than of one event: the projection waits for the store
# and tries again, and no event is blamed.
STORE_UNAVAILABLE = (
    DatabaseUnavailableError,
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    sqlite3.OperationalError,
    TimeoutError,
)
# Enough of an error's text to act on; the rest is in the log's traceback.
MAX_REASON_CHARACTERS = 500

FAILURES_TABLE = """CREATE TABLE IF NOT EXISTS rm_projection_failures (
    generation INTEGER PRIMARY KEY,
    position BIGINT NOT NULL,
    topic TEXT NOT NULL,
    error TEXT NOT NULL,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL,
    attempts INTEGER NOT NULL)"""


class EventNotAppliedError(Exception):
    """The event at ``position`` cannot be applied to the read model: the projection stops
    before it (never skipping it) until code that can apply it runs."""

    def __init__(self, position: int, topic: str, reason: str) -> None:
        super().__init__(f"the event at position {position} ({topic}) cannot be applied: {reason}")
        self.position = position
        self.topic = topic
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProjectionFailure:
    """The recorded failure of a generation's projection."""

    position: int
    topic: str
    error: str
    first_failed_at: str
    last_failed_at: str
    attempts: int


def reason_of(error: BaseException) -> str:
    """The error's type and first line, bounded."""
    text = str(error).strip().splitlines()
    described = f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
    return described[:MAX_REASON_CHARACTERS]


def record_failure(
    database: Database, generation: int, error: EventNotAppliedError, now: str
) -> ProjectionFailure:
    """Record (or count again) the failure of ``generation``'s projection."""
    with database.write() as cursor:
        known = failure_of(database, cursor, generation)
        same = known is not None and known.position == error.position
        failure = ProjectionFailure(
            position=error.position,
            topic=error.topic,
            error=error.reason,
            first_failed_at=known.first_failed_at if known is not None and same else now,
            last_failed_at=now,
            attempts=known.attempts + 1 if known is not None and same else 1,
        )
        cursor.execute(
            database.sql("DELETE FROM rm_projection_failures WHERE generation = ?"), (generation,)
        )
        cursor.execute(
            database.sql(
                "INSERT INTO rm_projection_failures (generation, position, topic, error, "
                "first_failed_at, last_failed_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (generation, *_values(failure)),
        )
    return failure


def clear_failures(database: Database) -> None:
    """The projection applies events again: no failure stands (of any generation)."""
    with database.write() as cursor:
        cursor.execute("DELETE FROM rm_projection_failures")


def failure_of(database: Database, cursor: Cursor, generation: int) -> ProjectionFailure | None:
    """The recorded failure of ``generation``'s projection, if one stands."""
    cursor.execute(
        database.sql(
            "SELECT position, topic, error, first_failed_at, last_failed_at, attempts "
            "FROM rm_projection_failures WHERE generation = ?"
        ),
        (generation,),
    )
    row = cursor.fetchone()
    return None if row is None else _failure(row)


def _values(failure: ProjectionFailure) -> tuple[Any, ...]:
    return (
        failure.position,
        failure.topic,
        failure.error,
        failure.first_failed_at,
        failure.last_failed_at,
        failure.attempts,
    )


def _failure(row: Any) -> ProjectionFailure:
    return ProjectionFailure(
        position=int(row[0]),
        topic=str(row[1]),
        error=str(row[2]),
        first_failed_at=str(row[3]),
        last_failed_at=str(row[4]),
        attempts=int(row[5]),
    )
