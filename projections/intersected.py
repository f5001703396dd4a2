"""The deployments of a keyset with a function whose input channel intersects a channel: read
through the channel index (``projections.parts.channels``), so that the cost follows what is
deployed on that keyset for those channels, not what else the account has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.channels import intersects, lookup_keys
from projections.database import Cursor, Database
from projections.queries import DeploymentView
from projections.rows import DeploymentRow


@dataclass(frozen=True, slots=True)
class Intersection:
    """A channel as asked, and the deployments found for it (oldest first)."""

    channel: str
    deployments: list[DeploymentView]


def intersected(
    database: Database,
    account_id: int,
    keyset_id: int,
    channels: list[str],
    function_type: str | None,
) -> list[Intersection]:
    """For each channel, in the order given, the account's deployments on ``keyset_id`` with a
    function (of ``function_type``, if given) whose input channel intersects it."""
    with database.read() as cursor:
        found = [
            _deployment_ids(database, cursor, account_id, keyset_id, channel, function_type)
            for channel in channels
        ]
        views = _views(database, cursor, account_id, sorted(set().union(*found)))
    order = sorted(views.values(), key=lambda v: (v.deployment.created_dttm, v.deployment.id))
    return [
        Intersection(channel, [view for view in order if view.deployment.id in ids])
        for channel, ids in zip(channels, found, strict=True)
    ]


def _deployment_ids(
    database: Database,
    cursor: Cursor,
    account_id: int,
    keyset_id: int,
    channel: str,
    function_type: str | None,
) -> set[str]:
    """The index's candidates for ``channel``, each checked against the rule itself. One
    branch per kind of key, so that each reads its keys by the whole index (an OR of them
    would be read by its first columns only, all of the keyset's rows, on SQLite)."""
    by_kind: dict[str, list[str]] = {}
    for kind, key in lookup_keys(channel):
        by_kind.setdefault(kind, []).append(key)
    branches: list[str] = []
    params: list[Any] = []
    of_type = "" if function_type is None else " AND function_type = ?"
    for kind, keys in by_kind.items():
        branches.append(
            "SELECT deployment_id, input_channel FROM rm_deployed_channels "
            "WHERE account_id = ? AND keyset_id = ? AND match_kind = ? "
            f"AND match_key IN ({', '.join('?' * len(keys))}){of_type}"
        )
        params += [account_id, keyset_id, kind, *keys]
        if function_type is not None:
            params.append(function_type)
    cursor.execute(database.sql(" UNION ALL ".join(branches)), params)
    return {row[0] for row in cursor.fetchall() if intersects(row[1], channel)}


def _views(
    database: Database, cursor: Cursor, account_id: int, deployment_ids: list[str]
) -> dict[str, DeploymentView]:
    """The deployments, each with its revision's function revision ids in ``sortOrder``."""
    if not deployment_ids:
        return {}
    marks = ", ".join("?" * len(deployment_ids))
    # By id alone: with the account in the condition too, SQLite may read every deployment of
    # the account through its index instead (the ids come from the account's index rows).
    cursor.execute(
        database.sql(f"SELECT * FROM rm_deployments WHERE id IN ({marks})"), deployment_ids
    )
    rows = [DeploymentRow(*row) for row in cursor.fetchall()]
    deployments = [row for row in rows if row.account_id == account_id]
    revisions = sorted({d.package_revision_id for d in deployments})
    functions: dict[str, list[str]] = {revision: [] for revision in revisions}
    if revisions:
        cursor.execute(
            database.sql(
                "SELECT package_revision_id, function_revision_id FROM rm_functions "
                f"WHERE package_revision_id IN ({', '.join('?' * len(revisions))}) "
                "ORDER BY package_revision_id, sort_order, position"
            ),
            revisions,
        )
        for revision_id, function_revision_id in cursor.fetchall():
            functions[revision_id].append(function_revision_id)
    return {d.id: DeploymentView(d, functions[d.package_revision_id]) for d in deployments}
