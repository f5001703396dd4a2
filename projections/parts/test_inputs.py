"""The test inputs part of the read model: each function revision's test inputs, and where
every function revision that ever had one lives (its account, package and revision).

The second table is kept when a revision or package goes: it is how a request for a function
revision's test inputs as they stood at an earlier time finds the package whose events hold
them, after the function revision is gone (a live one is found in the packages part's
functions). Only function revisions with test inputs are in it: most never have one, and a
row for each of them would cost every create and every rebuild.

A batch applies its events in memory, then writes deletions, new rows and changed rows, in
the batch's transaction, like the packages part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from commands.events import (
    PackageDeleted,
    RevisionDeleted,
    TestInputAdded,
    TestInputDeleted,
    TestInputUpdated,
)
from projections.database import Cursor, Database
from projections.rows import Row, iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation


@dataclass(slots=True)
class InputRow(Row):
    """A test input; ``payload`` is its value's JSON text."""

    key: ClassVar[str] = "id"
    id: str
    account_id: int
    package_id: str
    package_revision_id: str
    function_revision_id: str
    name: str
    name_folded: str
    payload: str
    mime_type: str
    description: str
    created_dttm: str
    updated_dttm: str
    version: int


@dataclass(slots=True)
class InputRows:
    """What one batch of events (or one package's history, replayed) does to test inputs."""

    inputs: dict[str, InputRow] = field(default_factory=dict)
    new: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    deleted_revisions: set[str] = field(default_factory=set)
    deleted_packages: set[str] = field(default_factory=set)
    # Function revision id → (account id, package id, revision id), of those given inputs.
    homes: dict[str, tuple[int, str, str]] = field(default_factory=dict)

    def keeps(self, row: InputRow) -> bool:
        return not (
            row.id in self.deleted
            or row.package_revision_id in self.deleted_revisions
            or row.package_id in self.deleted_packages
        )


def on_test_input_added(batch: InputRows, package_id: str, event: TestInputAdded) -> None:
    moment = iso_millis(event.timestamp)
    batch.inputs[event.test_input_id] = InputRow(
        id=event.test_input_id,
        account_id=event.account_id,
        package_id=package_id,
        package_revision_id=event.revision_id,
        function_revision_id=event.function_revision_id,
        name=event.name,
        name_folded=event.name.casefold(),
        payload=event.payload,
        mime_type=event.mime_type,
        description=event.description,
        created_dttm=moment,
        updated_dttm=moment,
        version=event.originator_version,
    )
    batch.new.add(event.test_input_id)
    batch.homes[event.function_revision_id] = (event.account_id, package_id, event.revision_id)


def on_test_input_updated(batch: InputRows, package_id: str, event: TestInputUpdated) -> None:
    row = batch.inputs[event.test_input_id]
    if event.name is not None:
        row.name, row.name_folded = event.name, event.name.casefold()
    if event.payload is not None:
        row.payload = event.payload
    if event.mime_type is not None:
        row.mime_type = event.mime_type
    if event.description is not None:
        row.description = event.description
    row.updated_dttm = iso_millis(event.timestamp)
    row.version = event.originator_version
    batch.changed.add(row.id)


def on_test_input_deleted(batch: InputRows, package_id: str, event: TestInputDeleted) -> None:
    batch.deleted.add(event.test_input_id)


def on_revision_deleted(batch: InputRows, package_id: str, event: RevisionDeleted) -> None:
    batch.deleted_revisions.add(event.revision_id)


def on_package_deleted(batch: InputRows, package_id: str, event: PackageDeleted) -> None:
    batch.deleted_packages.add(package_id)


# One handler per event type: (batch, id of the event's stream, event).
HANDLERS: dict[type, Callable[[InputRows, str, Any], None]] = {
    TestInputAdded: on_test_input_added,
    TestInputUpdated: on_test_input_updated,
    TestInputDeleted: on_test_input_deleted,
    RevisionDeleted: on_revision_deleted,
    PackageDeleted: on_package_deleted,
}

TABLES = (
    Table(
        "test_inputs",
        (
            ("id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
            ("function_revision_id", f"{SORTABLE} NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("payload", "TEXT NOT NULL"),
            ("mime_type", "TEXT NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
            ("version", "INTEGER NOT NULL"),
        ),
        key=("id",),
        indexes=(
            ("by_function_revision", ("function_revision_id", "created_dttm")),
            ("by_revision", ("package_revision_id",)),
            ("by_package", ("package_id",)),
        ),
    ),
    Table(
        "function_homes",
        (
            ("function_revision_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
        ),
        key=("function_revision_id",),
    ),
)
HOME_COLUMNS = ("function_revision_id", "account_id", "package_id", "package_revision_id")


class TestInputsPart:
    __test__ = False  # not a test class, whatever its name says

    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset(HANDLERS)

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        batch = InputRows()
        _load(database, cursor, generation, batch, events)
        for stream_id, event in events:
            HANDLERS[type(event)](batch, stream_id, event)
        with database.pipelined(cursor):
            _write(database, cursor, generation, batch)


def _load(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    batch: InputRows,
    events: Sequence[tuple[str, Any]],
) -> None:
    """Read the test inputs that the batch changes but did not add."""
    added = {e.test_input_id for _, e in events if type(e) is TestInputAdded}
    wanted = sorted({e.test_input_id for _, e in events if type(e) is TestInputUpdated} - added)
    table = generation.table("test_inputs")
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        cursor.execute(database.sql(f"SELECT * FROM {table} WHERE id IN ({marks})"), chunk)
        for row in cursor.fetchall():
            batch.inputs[row[0]] = InputRow(*row)


def _write(database: Database, cursor: Cursor, generation: Generation, batch: InputRows) -> None:
    table = generation.table("test_inputs")
    database.delete(cursor, table, "package_id", sorted(batch.deleted_packages))
    database.delete(cursor, table, "package_revision_id", sorted(batch.deleted_revisions))
    database.delete(cursor, table, "id", sorted(batch.deleted))
    columns, rows = InputRow.columns(), batch.inputs
    kept_new = [rows[key].values() for key in sorted(batch.new) if batch.keeps(rows[key])]
    database.insert(cursor, table, columns, kept_new)
    changed = sorted(batch.changed - batch.new)
    kept = [rows[key].values() for key in changed if batch.keeps(rows[key])]
    database.upsert(cursor, table, columns, InputRow.key, kept)
    homes = [(key, *home) for key, home in sorted(batch.homes.items())]
    table = generation.table("function_homes")
    database.upsert(cursor, table, HOME_COLUMNS, HOME_COLUMNS[0], homes, replace=False)
