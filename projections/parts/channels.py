"""The channels part of the read model: an index of the input channels of deployed functions,
by account, keyset and channel key (``projections.channels``), so that finding the deployments
whose functions intersect a channel reads only that keyset's entries for that channel, whatever
else the account has deployed.

``revision_channels`` holds each revision's functions that have an ``inputChannel`` (what a
new deployment of it adds to the index); ``deployed_channels`` one row per deployed function
and index key. Both follow deployments, revisions and packages as they go.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from commands.events import (
    DeploymentCreated,
    DeploymentDeleted,
    FunctionsRegistered,
    PackageDeleted,
    RevisionDeleted,
)
from projections.channels import index_keys
from projections.database import Cursor, Database
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

# (revision id, function revision id, package id, account id, function type, input channel)
ChannelRow = tuple[str, str, str, int, str, str]
REVISION_COLUMNS = (
    "package_revision_id",
    "function_revision_id",
    "package_id",
    "account_id",
    "function_type",
    "input_channel",
)
DEPLOYED_COLUMNS = (
    "deployment_id",
    "function_revision_id",
    "match_kind",
    "match_key",
    "account_id",
    "keyset_id",
    "function_type",
    "input_channel",
    "package_id",
    "package_revision_id",
)


@dataclass(slots=True)
class ChannelRows:
    """What one batch of events does to the index."""

    revisions: dict[str, list[ChannelRow]] = field(default_factory=dict)
    new_revisions: set[str] = field(default_factory=set)
    deployed: list[tuple[Any, ...]] = field(default_factory=list)
    deleted_deployments: set[str] = field(default_factory=set)
    deleted_revisions: set[str] = field(default_factory=set)
    deleted_packages: set[str] = field(default_factory=set)

    def keeps(self, deployment_id: str, package_id: str, revision_id: str) -> bool:
        return not (
            deployment_id in self.deleted_deployments
            or revision_id in self.deleted_revisions
            or package_id in self.deleted_packages
        )


def on_functions_registered(
    batch: ChannelRows, package_id: str, event: FunctionsRegistered
) -> None:
    batch.new_revisions.add(event.revision_id)
    batch.revisions[event.revision_id] = [
        (
            event.revision_id,
            function["function_revision_id"],
            package_id,
            event.account_id,
            function["type"],
            function["config"]["inputChannel"],
        )
        for function in event.functions
        if isinstance(function["config"].get("inputChannel"), str)
    ]


def on_deployment_created(batch: ChannelRows, package_id: str, event: DeploymentCreated) -> None:
    for revision_id, function_revision_id, _, account_id, kind, channel in batch.revisions.get(
        event.revision_id, []
    ):
        batch.deployed.extend(
            (
                event.deployment_id,
                function_revision_id,
                match_kind,
                match_key,
                account_id,
                event.keyset_id,
                kind,
                channel,
                package_id,
                revision_id,
            )
            for match_kind, match_key in index_keys(channel)
        )


def on_deployment_deleted(batch: ChannelRows, package_id: str, event: DeploymentDeleted) -> None:
    batch.deleted_deployments.add(event.deployment_id)


def on_revision_deleted(batch: ChannelRows, package_id: str, event: RevisionDeleted) -> None:
    batch.deleted_revisions.add(event.revision_id)


def on_package_deleted(batch: ChannelRows, package_id: str, event: PackageDeleted) -> None:
    batch.deleted_packages.add(package_id)


HANDLERS: dict[type, Callable[[ChannelRows, str, Any], None]] = {
    FunctionsRegistered: on_functions_registered,
    DeploymentCreated: on_deployment_created,
    DeploymentDeleted: on_deployment_deleted,
    RevisionDeleted: on_revision_deleted,
    PackageDeleted: on_package_deleted,
}

TABLES = (
    Table(
        "revision_channels",
        (
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
            ("function_revision_id", f"{SORTABLE} NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("function_type", "TEXT NOT NULL"),
            ("input_channel", "TEXT NOT NULL"),
        ),
        key=("package_revision_id", "function_revision_id"),
        indexes=(("by_package", ("package_id",)),),
    ),
    Table(
        "deployed_channels",
        (
            ("deployment_id", f"{SORTABLE} NOT NULL"),
            ("function_revision_id", f"{SORTABLE} NOT NULL"),
            ("match_kind", f"{SORTABLE} NOT NULL"),
            ("match_key", f"{SORTABLE} NOT NULL"),
            ("account_id", "BIGINT NOT NULL"),
            ("keyset_id", "BIGINT NOT NULL"),
            ("function_type", f"{SORTABLE} NOT NULL"),
            ("input_channel", "TEXT NOT NULL"),
            ("package_id", f"{SORTABLE} NOT NULL"),
            ("package_revision_id", f"{SORTABLE} NOT NULL"),
        ),
        key=("deployment_id", "function_revision_id", "match_kind", "match_key"),
        indexes=(
            ("lookup", ("account_id", "keyset_id", "match_kind", "match_key", "function_type")),
            ("by_revision", ("package_revision_id",)),
            ("by_package", ("package_id",)),
        ),
    ),
)


class ChannelsPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset(HANDLERS)

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        batch = ChannelRows()
        _load(database, cursor, generation, batch, events)
        for stream_id, event in events:
            HANDLERS[type(event)](batch, stream_id, event)
        with database.pipelined(cursor):
            _write(database, cursor, generation, batch)


def _load(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    batch: ChannelRows,
    events: Sequence[tuple[str, Any]],
) -> None:
    """Read the channels of the revisions that the batch deploys but did not register."""
    registered = {e.revision_id for _, e in events if type(e) is FunctionsRegistered}
    deployed = {e.revision_id for _, e in events if type(e) is DeploymentCreated}
    wanted = sorted(deployed - registered)
    table, columns = generation.table("revision_channels"), ", ".join(REVISION_COLUMNS)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        cursor.execute(
            database.sql(f"SELECT {columns} FROM {table} WHERE package_revision_id IN ({marks})"),
            chunk,
        )
        for row in cursor.fetchall():
            batch.revisions.setdefault(row[0], []).append(tuple(row))


def _write(database: Database, cursor: Cursor, generation: Generation, batch: ChannelRows) -> None:
    revisions = generation.table("revision_channels")
    deployed = generation.table("deployed_channels")
    packages, gone_revisions = sorted(batch.deleted_packages), sorted(batch.deleted_revisions)
    for table in (revisions, deployed):
        database.delete(cursor, table, "package_id", packages)
        database.delete(cursor, table, "package_revision_id", gone_revisions)
    database.delete(cursor, deployed, "deployment_id", sorted(batch.deleted_deployments))
    new_rows = [
        row
        for revision_id in sorted(batch.new_revisions)
        for row in batch.revisions[revision_id]
        if batch.keeps("", row[2], row[0])
    ]
    database.insert(cursor, revisions, REVISION_COLUMNS, new_rows)
    kept = [row for row in batch.deployed if batch.keeps(row[0], row[8], row[9])]
    database.insert(cursor, deployed, DEPLOYED_COLUMNS, kept)
