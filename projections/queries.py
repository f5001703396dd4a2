"""Queries the GET endpoints ask of the read model; every one is scoped to an account."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from projections.database import Cursor, Database
from projections.rows import DeploymentRow, FunctionRow, PackageRow, RevisionRow
from projections.schema import LIVE, Generation

T = TypeVar("T")

# API sort field → column, per listed resource.
PACKAGE_SORTS = {
    "name": "name_folded",
    "createdDttm": "created_dttm",
    "updatedDttm": "updated_dttm",
}
REVISION_SORTS = PACKAGE_SORTS
FUNCTION_SORTS = {**PACKAGE_SORTS, "sortOrder": "sort_order"}


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A validated page request: ``sort`` holds (column, descending) pairs."""

    page: int
    size: int
    sort: tuple[tuple[str, bool], ...]
    search: str | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    query: ListQuery


@dataclass(frozen=True, slots=True)
class RevisionView:
    revision: RevisionRow
    functions: list[FunctionRow]


@dataclass(frozen=True, slots=True)
class DeploymentView:
    deployment: DeploymentRow
    function_revision_ids: list[str]


DEPLOYMENT_SORTS = {"createdDttm": "created_dttm", "updatedDttm": "updated_dttm"}


class ReadModel:
    """Reads the active generation through the ``rm_*`` views."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def package_at_point(
        self, account_id: int, package_id: UUID
    ) -> tuple[PackageRow | None, Generation | None]:
        """One of the account's packages, and the live generation (with its position) it
        was read from: one statement, so both are of the same moment."""
        rows = self.database.query(
            "SELECT g.generation, g.position, p.* FROM rm_generations g "
            "LEFT JOIN rm_packages p ON p.id = ? AND p.account_id = ? WHERE g.purpose = ?",
            (str(package_id), account_id, LIVE),
        )
        if not rows:
            return None, None
        generation, position, *package = rows[0]
        live = Generation(int(generation), int(position), LIVE)
        return (None if package[0] is None else PackageRow.from_row(package)), live

    def packages(self, account_id: int, query: ListQuery) -> Page[PackageRow]:
        conditions: list[str] = ["account_id = ?"]
        params: list[Any] = [account_id]
        _add_search(query, conditions, params)
        if query.tag is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM rm_package_tags t WHERE t.package_id = p.id AND t.tag = ?)"
            )
            params.append(query.tag)
        with self.database.read() as cursor:
            rows, total = self._page(cursor, "rm_packages p", conditions, params, query)
        return Page([PackageRow.from_row(row) for row in rows], total, query)

    def revisions(
        self, account_id: int, package_id: UUID, query: ListQuery
    ) -> Page[RevisionView] | None:
        with self.database.read() as cursor:
            if self._owned(cursor, "rm_packages", account_id, package_id) is None:
                return None
            conditions = ["account_id = ?", "package_id = ?"]
            params: list[Any] = [account_id, str(package_id)]
            _add_search(query, conditions, params)
            rows, total = self._page(cursor, "rm_revisions", conditions, params, query)
            revisions = [RevisionRow(*row) for row in rows]
            # Without code: a page of revisions of a package with much code would be many
            # megabytes (the revision itself and its functions list carry it).
            functions = self._functions_of(
                cursor, [revision.id for revision in revisions], with_code=False
            )
        views = [RevisionView(revision, functions.get(revision.id, [])) for revision in revisions]
        return Page(views, total, query)

    def revision(self, account_id: int, revision_id: UUID) -> RevisionView | None:
        with self.database.read() as cursor:
            row = self._owned(cursor, "rm_revisions", account_id, revision_id)
            if row is None:
                return None
            revision = RevisionRow(*row)
            functions = self._functions_of(cursor, [revision.id], with_code=True)
        return RevisionView(revision, functions.get(revision.id, []))

    def functions(
        self, account_id: int, revision_id: UUID, query: ListQuery
    ) -> Page[FunctionRow] | None:
        with self.database.read() as cursor:
            if self._owned(cursor, "rm_revisions", account_id, revision_id) is None:
                return None
            conditions = ["account_id = ?", "package_revision_id = ?"]
            params: list[Any] = [account_id, str(revision_id)]
            _add_search(query, conditions, params)
            rows, total = self._page(cursor, "rm_functions", conditions, params, query)
        return Page([FunctionRow(*row) for row in rows], total, query)

    def deployment(self, account_id: int, deployment_id: UUID) -> DeploymentView | None:
        with self.database.read() as cursor:
            row = self._owned(cursor, "rm_deployments", account_id, deployment_id)
            if row is None:
                return None
            deployment = DeploymentRow(*row)
            return DeploymentView(
                deployment, self._function_ids(cursor, [deployment])[deployment.id]
            )

    def deployments(
        self, account_id: int, revision_id: UUID, keysets: frozenset[int] | None, query: ListQuery
    ) -> Page[DeploymentView] | None:
        """A revision's deployments on the keysets given (all when ``None``)."""
        with self.database.read() as cursor:
            if self._owned(cursor, "rm_revisions", account_id, revision_id) is None:
                return None
            conditions = ["account_id = ?", "package_revision_id = ?"]
            params: list[Any] = [account_id, str(revision_id)]
            if keysets is not None:
                marks = ", ".join("?" * len(keysets)) or "NULL"
                conditions.append(f"keyset_id IN ({marks})")
                params += sorted(keysets)
            rows, total = self._page(cursor, "rm_deployments", conditions, params, query)
            deployments = [DeploymentRow(*row) for row in rows]
            ids = self._function_ids(cursor, deployments)
        return Page([DeploymentView(d, ids[d.id]) for d in deployments], total, query)

    def running_deployments(self, account_id: int) -> int:
        with self.database.read() as cursor:
            cursor.execute(
                self.database.sql(
                    "SELECT COUNT(*) FROM rm_deployments WHERE account_id = ? AND state = ?"
                ),
                (account_id, "RUNNING"),
            )
            return int(cursor.fetchone()[0])

    def _function_ids(
        self, cursor: Cursor, deployments: list[DeploymentRow]
    ) -> dict[str, list[str]]:
        revisions = sorted({d.package_revision_id for d in deployments})
        by_revision: dict[str, list[str]] = {revision: [] for revision in revisions}
        if revisions:
            marks = ", ".join("?" * len(revisions))
            cursor.execute(
                self.database.sql(
                    "SELECT package_revision_id, function_revision_id FROM rm_functions "
                    f"WHERE package_revision_id IN ({marks}) "
                    "ORDER BY package_revision_id, sort_order, position"
                ),
                revisions,
            )
            for revision_id, function_revision_id in cursor.fetchall():
                by_revision[revision_id].append(function_revision_id)
        return {d.id: by_revision[d.package_revision_id] for d in deployments}

    def _owned(self, cursor: Cursor, view: str, account_id: int, row_id: UUID) -> Any:
        """One row of the account by id, or ``None`` (another account's is ``None`` too)."""
        cursor.execute(
            self.database.sql(f"SELECT * FROM {view} WHERE id = ? AND account_id = ?"),
            (str(row_id), account_id),
        )
        return cursor.fetchone()

    def _page(
        self,
        cursor: Cursor,
        source: str,
        conditions: list[str],
        params: list[Any],
        query: ListQuery,
    ) -> tuple[list[Any], int]:
        where = " AND ".join(conditions)
        cursor.execute(self.database.sql(f"SELECT COUNT(*) FROM {source} WHERE {where}"), params)
        total = int(cursor.fetchone()[0])
        if query.page * query.size >= total:
            return [], total
        key = source.split()[0].removeprefix("rm_")
        tie = "function_revision_id" if key == "functions" else "id"
        order = ", ".join(
            f"{column} {'DESC' if descending else 'ASC'}" for column, descending in query.sort
        )
        cursor.execute(
            self.database.sql(
                f"SELECT * FROM {source} WHERE {where} ORDER BY {order}, {tie} ASC LIMIT ? OFFSET ?"
            ),
            [*params, query.size, query.page * query.size],
        )
        return list(cursor.fetchall()), total

    def _functions_of(
        self, cursor: Cursor, revision_ids: list[str], *, with_code: bool
    ) -> dict[str, list[FunctionRow]]:
        if not revision_ids:
            return {}
        marks = ", ".join("?" * len(revision_ids))
        columns = ", ".join(
            "NULL AS code" if name == "code" and not with_code else name
            for name in FunctionRow.columns()
        )
        cursor.execute(
            self.database.sql(
                f"SELECT {columns} FROM rm_functions WHERE package_revision_id IN ({marks}) "
                "ORDER BY package_revision_id, sort_order, position"
            ),
            revision_ids,
        )
        grouped: dict[str, list[FunctionRow]] = {}
        for row in cursor.fetchall():
            function = FunctionRow(*row)
            grouped.setdefault(function.package_revision_id, []).append(function)
        return grouped


def _add_search(query: ListQuery, conditions: list[str], params: list[Any]) -> None:
    """``search``: a case-insensitive substring of the name."""
    if query.search:
        conditions.append("name_folded LIKE ? ESCAPE '\\'")
        params.append(contains(query.search))


def tags_of(package: PackageRow) -> list[str]:
    tags: list[str] = json.loads(package.tags)
    return tags


def contains(search: str) -> str:
    """A LIKE pattern matching names that contain ``search``, in any case."""
    escaped = search.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
