"""The packages part of the read model: packages, their tags, revisions, functions and
deployments, with every counter.

A batch loads the rows its events touch, applies one small handler per event in memory, then
writes every changed row, all in the batch's transaction (with the tracking position). So a
crash anywhere leaves either the whole batch or none of it, and each event counts exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from commands.events import (
    DeploymentCreated,
    DeploymentDeleted,
    DeploymentHandedOver,
    DeploymentStarted,
    DeploymentStopped,
    FunctionsRegistered,
    PackageCreated,
    PackageDeleted,
    PackageUpdated,
    RevisionAdded,
    RevisionDeleted,
    RevisionUpdated,
    ScheduleActivated,
    ScheduleCompleted,
    ScheduleCreated,
    ScheduleDeleted,
    ScheduleFailed,
    ScheduleUpdated,
)
from projections.database import Cursor, Database
from projections.rows import DeploymentRow, FunctionRow, PackageRow, RevisionRow, iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

T = TypeVar("T")


@dataclass(slots=True)
class PackageRows:
    """The rows one batch of events reads and changes (or one package's history replays)."""

    packages: dict[str, PackageRow] = field(default_factory=dict)
    revisions: dict[str, RevisionRow] = field(default_factory=dict)
    functions: list[FunctionRow] = field(default_factory=list)
    tags: dict[str, list[str]] = field(default_factory=dict)
    new_packages: set[str] = field(default_factory=set)
    changed_packages: set[str] = field(default_factory=set)
    deleted_packages: set[str] = field(default_factory=set)
    new_revisions: set[str] = field(default_factory=set)
    changed_revisions: set[str] = field(default_factory=set)
    deleted_revisions: set[str] = field(default_factory=set)
    deployments: dict[str, DeploymentRow] = field(default_factory=dict)
    new_deployments: set[str] = field(default_factory=set)
    changed_deployments: set[str] = field(default_factory=set)
    deleted_deployments: set[str] = field(default_factory=set)

    def package(self, package_id: str) -> PackageRow:
        self.changed_packages.add(package_id)
        return self.packages[package_id]

    def set_tags(self, package_id: str, tags: list[str]) -> None:
        self.tags[package_id] = list(tags)

    def revision(self, revision_id: str) -> RevisionRow:
        self.changed_revisions.add(revision_id)
        return self.revisions[revision_id]

    def touch(self, package_id: str, event: Any) -> PackageRow:
        """The package row, with ``updatedDttm`` and version moved to ``event``."""
        package = self.package(package_id)
        package.updated_dttm = iso_millis(event.timestamp)
        package.version = event.originator_version
        return package


def on_package_created(batch: PackageRows, package_id: str, event: PackageCreated) -> None:
    created = iso_millis(event.timestamp)
    batch.packages[package_id] = PackageRow(
        id=package_id,
        account_id=event.account_id,
        name=event.name,
        name_folded=event.name.casefold(),
        description=event.description,
        api_managed=event.api_managed,
        tags=msgspec.json.encode(event.tags).decode(),
        package_blueprint_id=event.package_blueprint_id,
        revisions_total=0,
        revisions_running=0,
        deployments_total=0,
        deployments_running=0,
        created_dttm=created,
        updated_dttm=created,
        version=event.originator_version,
    )
    batch.new_packages.add(package_id)
    batch.set_tags(package_id, event.tags)


def on_revision_added(batch: PackageRows, package_id: str, event: RevisionAdded) -> None:
    package = batch.touch(package_id, event)
    package.revisions_total += 1
    created = iso_millis(event.timestamp)
    batch.revisions[event.revision_id] = RevisionRow(
        id=event.revision_id,
        package_id=package.id,
        account_id=package.account_id,
        name=event.name,
        name_folded=event.name.casefold(),
        description=event.description,
        deployments_total=0,
        deployments_running=0,
        created_dttm=created,
        updated_dttm=created,
        version=event.originator_version,
    )
    batch.new_revisions.add(event.revision_id)


def on_functions_registered(
    batch: PackageRows, package_id: str, event: FunctionsRegistered
) -> None:
    package = batch.touch(package_id, event)
    created = iso_millis(event.timestamp)
    for position, function in enumerate(event.functions):
        batch.functions.append(
            FunctionRow(
                function_revision_id=function["function_revision_id"],
                package_revision_id=event.revision_id,
                package_id=package.id,
                account_id=package.account_id,
                function_id=function["function_id"],
                name=function["name"],
                name_folded=function["name"].casefold(),
                type=function["type"],
                language=function["language"],
                sort_order=function["sort_order"],
                position=position,
                code=function["code"],
                config=msgspec.json.encode(function["config"]).decode(),
                created_dttm=created,
                updated_dttm=created,
            )
        )


def on_package_updated(batch: PackageRows, package_id: str, event: PackageUpdated) -> None:
    package = batch.touch(package_id, event)
    package.name = event.name
    package.name_folded = event.name.casefold()
    package.description = event.description
    package.tags = msgspec.json.encode(event.tags).decode()
    batch.set_tags(package_id, event.tags)


def on_package_deleted(batch: PackageRows, package_id: str, event: PackageDeleted) -> None:
    batch.deleted_packages.add(package_id)


def on_revision_updated(batch: PackageRows, package_id: str, event: RevisionUpdated) -> None:
    batch.touch(package_id, event)
    revision = batch.revision(event.revision_id)
    revision.name = event.name
    revision.name_folded = event.name.casefold()
    revision.description = event.description
    revision.updated_dttm = iso_millis(event.timestamp)
    revision.version = event.originator_version


def on_revision_deleted(batch: PackageRows, package_id: str, event: RevisionDeleted) -> None:
    package = batch.touch(package_id, event)
    package.revisions_total -= 1
    package.deployments_total -= batch.revisions[event.revision_id].deployments_total
    batch.deleted_revisions.add(event.revision_id)


def on_deployment_created(batch: PackageRows, package_id: str, event: DeploymentCreated) -> None:
    package = batch.touch(package_id, event)
    package.deployments_total += 1
    batch.revision(event.revision_id).deployments_total += 1
    moment = iso_millis(event.timestamp)
    batch.deployments[event.deployment_id] = DeploymentRow(
        id=event.deployment_id,
        package_id=package_id,
        package_revision_id=event.revision_id,
        account_id=package.account_id,
        keyset_id=event.keyset_id,
        state=STOPPED,
        created_dttm=moment,
        updated_dttm=moment,
        version=event.originator_version,
    )
    batch.new_deployments.add(event.deployment_id)


def on_deployment_started(batch: PackageRows, package_id: str, event: DeploymentStarted) -> None:
    _set_state(batch, package_id, event, RUNNING)


def on_deployment_stopped(batch: PackageRows, package_id: str, event: DeploymentStopped) -> None:
    _set_state(batch, package_id, event, STOPPED)


def _set_state(
    batch: PackageRows, package_id: str, event: Any, state: str, deployment_id: str | None = None
) -> None:
    """Move one deployment (the event's, unless named) to ``state`` and keep every running
    counter in step."""
    package = batch.touch(package_id, event)
    deployment = batch.deployments[deployment_id or event.deployment_id]
    batch.changed_deployments.add(deployment.id)
    deployment.updated_dttm = iso_millis(event.timestamp)
    deployment.version = event.originator_version
    if deployment.state == state:
        return  # a restart: nothing is counted twice
    deployment.state = state
    step = 1 if state == RUNNING else -1
    revision = batch.revision(deployment.package_revision_id)
    revision.deployments_running += step
    package.deployments_running += step
    if revision.deployments_running == (1 if step == 1 else 0):
        package.revisions_running += step


def on_deployment_handed_over(
    batch: PackageRows, package_id: str, event: DeploymentHandedOver
) -> None:
    """A rolling update: one stops and the other starts, in the same batch and event."""
    _set_state(batch, package_id, event, STOPPED)
    _set_state(batch, package_id, event, RUNNING, event.new_deployment_id)


def on_deployment_deleted(batch: PackageRows, package_id: str, event: DeploymentDeleted) -> None:
    package = batch.touch(package_id, event)
    deployment = batch.deployments[event.deployment_id]
    package.deployments_total -= 1
    batch.revision(deployment.package_revision_id).deployments_total -= 1
    batch.deleted_deployments.add(deployment.id)


def on_schedule_changed(batch: PackageRows, package_id: str, event: Any) -> None:
    """A deployment's scheduled events are the package's too: its time and version move
    (the schedules part keeps the schedules themselves)."""
    batch.touch(package_id, event)


# One handler per event type: (batch, id of the event's stream, event).
HANDLERS: dict[type, Callable[[PackageRows, str, Any], None]] = {
    PackageCreated: on_package_created,
    RevisionAdded: on_revision_added,
    FunctionsRegistered: on_functions_registered,
    PackageUpdated: on_package_updated,
    PackageDeleted: on_package_deleted,
    RevisionUpdated: on_revision_updated,
    RevisionDeleted: on_revision_deleted,
    DeploymentCreated: on_deployment_created,
    DeploymentStarted: on_deployment_started,
    DeploymentStopped: on_deployment_stopped,
    DeploymentDeleted: on_deployment_deleted,
    ScheduleCreated: on_schedule_changed,
    ScheduleUpdated: on_schedule_changed,
    ScheduleDeleted: on_schedule_changed,
    ScheduleActivated: on_schedule_changed,
    ScheduleCompleted: on_schedule_changed,
    ScheduleFailed: on_schedule_changed,
    DeploymentHandedOver: on_deployment_handed_over,
}
# Events whose handlers change an existing revision row, or an existing deployment row.
REVISION_EVENTS = (RevisionUpdated, RevisionDeleted, DeploymentCreated)
DEPLOYMENT_EVENTS = (DeploymentStarted, DeploymentStopped, DeploymentDeleted, DeploymentHandedOver)
RUNNING, STOPPED = "RUNNING", "STOPPED"


TABLES = (
    Table(
        "packages",
        (
            ("id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("api_managed", "BOOLEAN NOT NULL"),
            ("tags", "TEXT NOT NULL"),
            ("package_blueprint_id", "TEXT"),
            ("revisions_total", "INTEGER NOT NULL"),
            ("revisions_running", "INTEGER NOT NULL"),
            ("deployments_total", "INTEGER NOT NULL"),
            ("deployments_running", "INTEGER NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
            ("version", "INTEGER NOT NULL"),
        ),
        key=("id",),
        indexes=(("by_account", ("account_id", "created_dttm")),),
    ),
    Table(
        "package_tags",
        (("package_id", f"{SORTABLE} NOT NULL"), ("tag", f"{SORTABLE} NOT NULL")),
        key=("package_id", "tag"),
        indexes=(("by_tag", ("tag", "package_id")),),
    ),
    Table(
        "revisions",
        (
            ("id", f"{SORTABLE} NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("deployments_total", "INTEGER NOT NULL"),
            ("deployments_running", "INTEGER NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
            ("version", "INTEGER NOT NULL"),
        ),
        key=("id",),
        indexes=(("by_package", ("package_id", "created_dttm")),),
    ),
    Table(
        "functions",
        (
            ("function_revision_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("function_id", f"{SORTABLE} NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("type", "TEXT NOT NULL"),
            ("language", "TEXT NOT NULL"),
            ("sort_order", "INTEGER NOT NULL"),
            ("position", "INTEGER NOT NULL"),
            ("code", "TEXT NOT NULL"),
            ("config", "TEXT NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("function_revision_id",),
        indexes=(("by_revision", ("package_revision_id", "sort_order", "position")),),
    ),
    Table(
        "deployments",
        (
            ("id", f"{SORTABLE} NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("keyset_id", "BIGINT NOT NULL"),
            ("state", "TEXT NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
            ("version", "INTEGER NOT NULL"),
        ),
        key=("id",),
        indexes=(
            ("by_revision", ("package_revision_id", "created_dttm")),
            ("by_account", ("account_id", "state")),
        ),
    ),
)


class PackagesPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset(HANDLERS)

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        batch = PackageRows()
        _load_packages(database, cursor, generation, batch, events)
        _load_deployments(database, cursor, generation, batch, events)
        _load_revisions(database, cursor, generation, batch, events)
        for stream_id, event in events:
            HANDLERS[type(event)](batch, stream_id, event)
        with database.pipelined(cursor):
            _write(database, cursor, generation, batch)


def _load_packages(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    batch: PackageRows,
    events: Iterable[tuple[str, Any]],
) -> None:
    """Read the rows of the packages that the batch changes but did not create."""
    created: set[str] = set()
    streams: set[str] = set()
    for stream_id, event in events:
        (created if type(event) is PackageCreated else streams).add(stream_id)
    for row in _select_by_id(database, cursor, generation.table("packages"), streams - created):
        package = PackageRow.from_row(row)
        batch.packages[package.id] = package


def _load_revisions(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    batch: PackageRows,
    events: Iterable[tuple[str, Any]],
) -> None:
    """Read the revision rows that the batch changes but did not create."""
    created = {e.revision_id for _, e in events if type(e) is RevisionAdded}
    wanted = {e.revision_id for _, e in events if isinstance(e, REVISION_EVENTS)}
    wanted |= {d.package_revision_id for d in batch.deployments.values()}
    for row in _select_by_id(database, cursor, generation.table("revisions"), wanted - created):
        revision = RevisionRow(*row)
        batch.revisions[revision.id] = revision


def _load_deployments(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    batch: PackageRows,
    events: Iterable[tuple[str, Any]],
) -> None:
    """Read the deployment rows that the batch changes but did not create."""
    created = {e.deployment_id for _, e in events if type(e) is DeploymentCreated}
    wanted = {e.deployment_id for _, e in events if isinstance(e, DEPLOYMENT_EVENTS)}
    wanted |= {e.new_deployment_id for _, e in events if type(e) is DeploymentHandedOver}
    for row in _select_by_id(database, cursor, generation.table("deployments"), wanted - created):
        deployment = DeploymentRow(*row)
        batch.deployments[deployment.id] = deployment


def _select_by_id(database: Database, cursor: Cursor, table: str, ids: set[str]) -> Iterable[Any]:
    for chunk in _chunks(sorted(ids), 500):
        marks = ", ".join("?" * len(chunk))
        cursor.execute(database.sql(f"SELECT * FROM {table} WHERE id IN ({marks})"), chunk)
        yield from cursor.fetchall()


def _write(database: Database, cursor: Cursor, generation: Generation, batch: PackageRows) -> None:
    """Deletions first; then new rows are inserted and rows that existed are replaced; tags
    are rewritten for the packages whose tags were set."""
    gone = _delete(database, cursor, generation, batch)
    for row_type, entity, rows, new, changed in (
        (PackageRow, "packages", batch.packages, batch.new_packages, batch.changed_packages),
        (RevisionRow, "revisions", batch.revisions, batch.new_revisions, batch.changed_revisions),
        (
            DeploymentRow,
            "deployments",
            batch.deployments,
            batch.new_deployments,
            batch.changed_deployments,
        ),
    ):
        table, columns = generation.table(entity), row_type.columns()
        kept = [key for key in sorted(new) if gone.keeps(rows[key])]
        database.insert(cursor, table, columns, [rows[key].values() for key in kept])
        replaced = [key for key in sorted(changed - new) if gone.keeps(rows[key])]
        database.upsert(
            cursor, table, columns, row_type.key, [rows[key].values() for key in replaced]
        )
    functions = [row.values() for row in batch.functions if gone.keeps(row)]
    database.insert(cursor, generation.table("functions"), FunctionRow.columns(), functions)
    retagged = sorted(set(batch.tags) - batch.new_packages)
    database.delete(cursor, generation.table("package_tags"), "package_id", retagged)
    tags = sorted(
        (package_id, tag)
        for package_id, package_tags in batch.tags.items()
        if package_id not in gone.packages
        for tag in set(package_tags)
    )
    database.insert(cursor, generation.table("package_tags"), ("package_id", "tag"), tags)


def _delete(database: Database, cursor: Cursor, generation: Generation, batch: PackageRows) -> Gone:
    """Remove deleted packages (with everything of theirs) and deleted revisions."""
    packages = sorted(batch.deleted_packages)
    revisions = sorted(batch.deleted_revisions)
    deployments = sorted(batch.deleted_deployments)
    for entity in ("package_tags", "functions", "revisions", "deployments"):
        database.delete(cursor, generation.table(entity), "package_id", packages)
    database.delete(cursor, generation.table("packages"), "id", packages)
    for entity in ("functions", "deployments"):
        database.delete(cursor, generation.table(entity), "package_revision_id", revisions)
    database.delete(cursor, generation.table("revisions"), "id", revisions)
    database.delete(cursor, generation.table("deployments"), "id", deployments)
    return Gone(set(packages), set(revisions), set(deployments))


@dataclass(frozen=True, slots=True)
class Gone:
    """What a batch deleted: rows of these are not written back."""

    packages: set[str]
    revisions: set[str]
    deployments: set[str]

    def keeps(self, row: Any) -> bool:
        if isinstance(row, PackageRow):
            return row.id not in self.packages
        if isinstance(row, DeploymentRow):
            return (
                row.package_id not in self.packages
                and row.package_revision_id not in self.revisions
                and row.id not in self.deployments
            )
        if isinstance(row, FunctionRow):
            return row.package_id not in self.packages and (
                row.package_revision_id not in self.revisions
            )
        return row.package_id not in self.packages and row.id not in self.revisions


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
