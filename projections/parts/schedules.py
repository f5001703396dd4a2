"""The scheduled events part of the read model: every version of every schedule, so that a
list or a read can show them now or as they stood at any moment (``asOf``), and when the
scheduler must next act on each.

A change closes the schedule's current version (``valid_to``) and opens a new one
(``valid_from``) at the event's time; a deletion (of the schedule, its deployment, revision
or package) only closes it. ``due_dttm`` is set on current versions that are still to be
carried out: the begin while ``SCHEDULED``, the end while ``ACTIVE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from commands.events import (
    ACTIVE,
    COMPLETED,
    FAILED,
    SCHEDULED,
    DeploymentDeleted,
    PackageDeleted,
    RevisionDeleted,
    ScheduleActivated,
    ScheduleCompleted,
    ScheduleCreated,
    ScheduleDeleted,
    ScheduleFailed,
    ScheduleUpdated,
)
from projections.database import Cursor, Database
from projections.rows import ScheduleRow, iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

# Sent (on PostgreSQL) with every batch that changes a schedule, when it commits: the
# scheduler listens, and looks again for the next time it must act.
SCHEDULES_CHANNEL = "faas_schedules"


@dataclass(slots=True)
class ScheduleRows:
    """The schedule rows one batch reads and changes."""

    current: dict[str, ScheduleRow] = field(default_factory=dict)
    # Versions the batch made, and versions that were stored before it and that it closed.
    new: dict[tuple[str, int], ScheduleRow] = field(default_factory=dict)
    closed: dict[tuple[str, int], ScheduleRow] = field(default_factory=dict)

    def open(self, row: ScheduleRow) -> ScheduleRow:
        self.current[row.id] = row
        self.new[row.id, row.version] = row
        return row

    def supersede(self, schedule_id: str, event: Any) -> ScheduleRow:
        """A new current version of the schedule, from the event on."""
        old = self.close(schedule_id, event)
        return self.open(
            replace(
                old,
                version=event.originator_version,
                updated_dttm=iso_millis(event.timestamp),
                valid_from=old.valid_to or old.valid_from,
                valid_to=None,
            )
        )

    def close(self, schedule_id: str, event: Any) -> ScheduleRow:
        """End the schedule's current version at the event (never before it began)."""
        row = self.current.pop(schedule_id)
        row.valid_to = max(iso_millis(event.timestamp), row.valid_from)
        row.due_dttm = None
        if (row.id, row.version) not in self.new:
            self.closed[row.id, row.version] = row
        return row

    def close_where(self, event: Any, matches: Callable[[ScheduleRow], bool]) -> None:
        for row in [row for row in self.current.values() if matches(row)]:
            self.close(row.id, event)


def on_created(rows: ScheduleRows, package_id: str, event: ScheduleCreated) -> None:
    moment = iso_millis(event.timestamp)
    rows.open(
        ScheduleRow(
            id=event.schedule_id,
            version=event.originator_version,
            package_id=package_id,
            package_revision_id=event.revision_id,
            deployment_id=event.deployment_id,
            account_id=event.account_id,
            keyset_id=event.keyset_id,
            dttm_begin=event.dttm_begin,
            dttm_end=event.dttm_end,
            description=event.description,
            state=SCHEDULED,
            failure_reason=None,
            due_dttm=event.dttm_begin,
            created_dttm=moment,
            updated_dttm=moment,
            valid_from=moment,
            valid_to=None,
        )
    )


def on_updated(rows: ScheduleRows, package_id: str, event: ScheduleUpdated) -> None:
    row = rows.supersede(event.schedule_id, event)
    row.dttm_begin, row.dttm_end = event.dttm_begin, event.dttm_end
    row.description = event.description
    row.due_dttm = event.dttm_begin


def on_activated(rows: ScheduleRows, package_id: str, event: ScheduleActivated) -> None:
    row = rows.supersede(event.schedule_id, event)
    row.state, row.due_dttm = ACTIVE, row.dttm_end


def on_completed(rows: ScheduleRows, package_id: str, event: ScheduleCompleted) -> None:
    row = rows.supersede(event.schedule_id, event)
    row.state, row.due_dttm = COMPLETED, None


def on_failed(rows: ScheduleRows, package_id: str, event: ScheduleFailed) -> None:
    row = rows.supersede(event.schedule_id, event)
    row.state, row.due_dttm, row.failure_reason = FAILED, None, event.reason


def on_deleted(rows: ScheduleRows, package_id: str, event: ScheduleDeleted) -> None:
    rows.close(event.schedule_id, event)


def on_deployment_deleted(rows: ScheduleRows, package_id: str, event: DeploymentDeleted) -> None:
    rows.close_where(event, lambda row: row.deployment_id == event.deployment_id)


def on_revision_deleted(rows: ScheduleRows, package_id: str, event: RevisionDeleted) -> None:
    rows.close_where(event, lambda row: row.package_revision_id == event.revision_id)


def on_package_deleted(rows: ScheduleRows, package_id: str, event: PackageDeleted) -> None:
    rows.close_where(event, lambda row: row.package_id == package_id)


HANDLERS: dict[type, Callable[[ScheduleRows, str, Any], None]] = {
    ScheduleCreated: on_created,
    ScheduleUpdated: on_updated,
    ScheduleActivated: on_activated,
    ScheduleCompleted: on_completed,
    ScheduleFailed: on_failed,
    ScheduleDeleted: on_deleted,
    DeploymentDeleted: on_deployment_deleted,
    RevisionDeleted: on_revision_deleted,
    PackageDeleted: on_package_deleted,
}

TABLES = (
    Table(
        "schedules",
        (
            ("id", f"{SORTABLE} NOT NULL"),
            ("version", "INTEGER NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
            ("deployment_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("keyset_id", "BIGINT NOT NULL"),
            ("dttm_begin", f"{SORTABLE} NOT NULL"),
            ("dttm_end", f"{SORTABLE} NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("state", "TEXT NOT NULL"),
            ("failure_reason", "TEXT"),
            ("due_dttm", SORTABLE),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
            ("valid_from", f"{SORTABLE} NOT NULL"),
            ("valid_to", SORTABLE),
        ),
        key=("id", "version"),
        indexes=(
            ("by_account", ("account_id", "dttm_begin")),
            ("by_package", ("package_id", "valid_to")),
            ("by_due", ("due_dttm",)),
        ),
    ),
)


class SchedulesPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset(HANDLERS)

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        rows = ScheduleRows()
        _load_current(database, cursor, generation, rows, {stream for stream, _ in events})
        for stream_id, event in events:
            HANDLERS[type(event)](rows, stream_id, event)
        if not rows.new and not rows.closed:
            return  # deletions of packages, revisions or deployments that had no schedules
        table, columns = generation.table("schedules"), ScheduleRow.columns()
        with database.pipelined(cursor):
            database.insert(cursor, table, columns, [row.values() for row in rows.new.values()])
            closed = [row.values() for row in rows.closed.values()]
            database.upsert(cursor, table, columns, ScheduleRow.key, closed)
            if database.name == "postgres":
                cursor.execute(f"SELECT pg_notify('{SCHEDULES_CHANNEL}', '')")


def _load_current(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    rows: ScheduleRows,
    packages: Iterable[str],
) -> None:
    """The current versions of the schedules of the packages the batch's events are of."""
    ordered = sorted(packages)
    table = generation.table("schedules")
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        cursor.execute(
            database.sql(
                f"SELECT * FROM {table} WHERE package_id IN ({marks}) AND valid_to IS NULL"
            ),
            chunk,
        )
        for found in cursor.fetchall():
            row = ScheduleRow(*found)
            rows.current[row.id] = row
