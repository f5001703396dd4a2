"""Queries of test inputs: where a function revision lives, a page of its test inputs now or
as they stood at a moment, and one test input. Every one is scoped to an account: another
account's function revision is not found, in one indexed read, like an unknown one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any
from uuid import UUID

from commands.events import FunctionsRegistered
from projections.database import Database
from projections.parts.test_inputs import HANDLERS, InputRow, InputRows
from projections.queries import ListQuery, Page
from projections.rows import iso_millis
from projections.source import EventLog

TEST_INPUT_SORTS = {
    "name": "name_folded",
    "createdDttm": "created_dttm",
    "updatedDttm": "updated_dttm",
}


@dataclass(frozen=True, slots=True)
class Home:
    """Where a function revision lives (or lived), and since when (known of a live one)."""

    package_id: UUID
    revision_id: str
    created_dttm: str = ""


def function_home(database: Database, account_id: int, function_revision_id: UUID) -> Home | None:
    """The package and revision of one of the account's live function revisions."""
    rows = database.query(
        "SELECT package_id, package_revision_id, created_dttm FROM rm_functions "
        "WHERE function_revision_id = ? AND account_id = ?",
        (str(function_revision_id), account_id),
    )
    return Home(UUID(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None


def _home_of_inputs(database: Database, account_id: int, function_revision_id: UUID) -> Home | None:
    """Where one of the account's function revisions that ever had a test input lives or
    lived (kept after it is gone)."""
    rows = database.query(
        "SELECT package_id, package_revision_id FROM rm_function_homes "
        "WHERE function_revision_id = ? AND account_id = ?",
        (str(function_revision_id), account_id),
    )
    return Home(UUID(rows[0][0]), str(rows[0][1])) if rows else None


def inputs_of(
    database: Database, account_id: int, function_revision_id: UUID, query: ListQuery
) -> Page[InputRow] | None:
    """A page of the test inputs of one of the account's function revisions (``None`` if it
    has none such, or its revision is gone)."""
    conditions = ["function_revision_id = ?", "account_id = ?"]
    params: list[Any] = [str(function_revision_id), account_id]
    if query.search:
        conditions.append("name_folded LIKE ? ESCAPE '\\'")
        params.append(_contains(query.search))
    where = " AND ".join(conditions)
    order = ", ".join(f"{column} {'DESC' if desc else 'ASC'}" for column, desc in query.sort)
    with database.read() as cursor:
        cursor.execute(
            database.sql(
                "SELECT 1 FROM rm_functions WHERE function_revision_id = ? AND account_id = ?"
            ),
            (str(function_revision_id), account_id),
        )
        if cursor.fetchone() is None:
            return None
        cursor.execute(database.sql(f"SELECT COUNT(*) FROM rm_test_inputs WHERE {where}"), params)
        total = int(cursor.fetchone()[0])
        cursor.execute(
            database.sql(
                f"SELECT * FROM rm_test_inputs WHERE {where} ORDER BY {order}, id ASC "
                "LIMIT ? OFFSET ?"
            ),
            [*params, query.size, query.page * query.size],
        )
        rows = [InputRow(*row) for row in cursor.fetchall()]
    return Page(rows, total, query)


def input_of(database: Database, account_id: int, test_input_id: UUID) -> InputRow | None:
    rows = database.query(
        "SELECT * FROM rm_test_inputs WHERE id = ? AND account_id = ?",
        (str(test_input_id), account_id),
    )
    return InputRow(*rows[0]) if rows else None


def inputs_as_of(
    database: Database,
    log: EventLog,
    account_id: int,
    function_revision_id: UUID,
    moment: datetime,
    query: ListQuery,
) -> Page[InputRow] | None:
    """A page of a function revision's test inputs as they stood at ``moment``, rebuilt with
    the very handlers of the projection from its package's events up to then; ``None`` if
    the function revision did not exist then (another account's is not found before any
    history is read). One that never had a test input had none at any time it existed."""
    home = _home_of_inputs(database, account_id, function_revision_id)
    if home is None:
        live = function_home(database, account_id, function_revision_id)
        if live is None or live.created_dttm > iso_millis(moment):
            return None
        return Page([], 0, query)
    key, batch, registered = str(function_revision_id), InputRows(), False
    for _, event in log.stream_events(home.package_id):
        if event.timestamp > moment:
            break
        if type(event) is FunctionsRegistered:
            registered |= any(f["function_revision_id"] == key for f in event.functions)
        handler = HANDLERS.get(type(event))
        if handler is not None:
            handler(batch, str(home.package_id), event)
    if not registered or home.revision_id in batch.deleted_revisions or batch.deleted_packages:
        return None
    rows = [r for r in batch.inputs.values() if r.function_revision_id == key and batch.keeps(r)]
    if query.search:
        rows = [r for r in rows if query.search.casefold() in r.name_folded]
    return Page(_ordered(rows, query)[_window(query)], len(rows), query)


def _ordered(rows: list[InputRow], query: ListQuery) -> list[InputRow]:
    """In the query's order, the id breaking ties, as the SQL orders them."""
    ordered = sorted(rows, key=lambda row: row.id)
    # Text sorts bytewise on both stores, which is by code point, as Python compares it.
    for column, descending in reversed(query.sort):
        ordered.sort(key=attrgetter(column), reverse=descending)
    return ordered


def _window(query: ListQuery) -> slice:
    start = query.page * query.size
    return slice(start, start + query.size)


def _contains(search: str) -> str:
    escaped = search.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
