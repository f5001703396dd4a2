"""Reads of the catalog: package blueprints (listed ones only: a retired blueprint is not in
the catalog), their function blueprints and parameters. The catalog is no account's: every
caller reads the same."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from commands.events import (
    CATALOG_EVENT_TOPICS,
    PackageBlueprintPublished,
    PackageBlueprintRepublished,
    PackageBlueprintRetired,
)
from projections.database import Cursor, Database
from projections.follower import TopicFollower
from projections.parts.catalog import BLUEPRINT_COLUMNS, FUNCTION_COLUMNS, PARAM_COLUMNS
from projections.queries import ListQuery, Page, contains
from projections.source import EventLog

BLUEPRINT_SORTS = {
    "name": "name_folded",
    "createdDttm": "created_dttm",
    "updatedDttm": "updated_dttm",
}
PARAM_SORTS = BLUEPRINT_SORTS
LISTED = "retired = ?"


@dataclass(frozen=True, slots=True)
class BlueprintRecord:
    id: str
    name: str
    version: str
    description: str
    icon_base64: str | None
    icon_media_type: str | None
    created_dttm: str
    updated_dttm: str
    # (tag, the time it was published with the blueprint's version)
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ParamRecord:
    id: str
    function_blueprint_id: str
    package_blueprint_id: str
    name: str
    source_name: str
    type: str
    value_type: str
    storage: str
    description: str
    default_value: str | None
    required: bool
    created_dttm: str
    updated_dttm: str


@dataclass(frozen=True, slots=True)
class FunctionBlueprintRecord:
    id: str
    package_blueprint_id: str
    name: str
    type: str
    language: str
    code: str
    config: dict[str, Any]
    sort_order: int
    test_inputs: list[dict[str, Any]]
    created_dttm: str
    updated_dttm: str
    params: tuple[ParamRecord, ...] = ()


_BLUEPRINT_SELECT = ", ".join(c for c in BLUEPRINT_COLUMNS if c not in {"name_folded", "retired"})
_PARAM_SELECT = ", ".join(f"p.{c}" for c in PARAM_COLUMNS if c not in {"position", "name_folded"})
_PARAM_SOURCE = (
    "rm_function_blueprint_params p JOIN rm_package_blueprints b "
    "ON b.id = p.package_blueprint_id AND b.retired = ?"
)


class Catalog:
    """The catalog as the read model's live generation holds it."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def blueprints(self, query: ListQuery) -> Page[BlueprintRecord]:
        """A page of listed blueprints; ``search``: a substring of the name, any case;
        ``tag``: one of its tags, exactly."""
        conditions, params = [LISTED], list[Any]([False])
        if query.search:
            conditions.append("name_folded LIKE ? ESCAPE '\\'")
            params.append(contains(query.search))
        if query.tag is not None:
            conditions.append(
                "EXISTS (SELECT 1 FROM rm_package_blueprint_tags t "
                "WHERE t.package_blueprint_id = rm_package_blueprints.id AND t.tag = ?)"
            )
            params.append(query.tag)
        with self.database.read() as cursor:
            rows, total = self._page(
                cursor, "rm_package_blueprints", _BLUEPRINT_SELECT, conditions, params, query
            )
            records = self._with_tags(cursor, [BlueprintRecord(*row) for row in rows])
        return Page(records, total, query)

    def blueprint(self, blueprint_id: UUID) -> BlueprintRecord | None:
        with self.database.read() as cursor:
            cursor.execute(
                self.database.sql(
                    f"SELECT {_BLUEPRINT_SELECT} FROM rm_package_blueprints "
                    f"WHERE id = ? AND {LISTED}"
                ),
                (str(blueprint_id), False),
            )
            row = cursor.fetchone()
            if row is None:
                return None
            return self._with_tags(cursor, [BlueprintRecord(*row)])[0]

    def function_blueprints(self, blueprint_id: UUID) -> list[FunctionBlueprintRecord] | None:
        """A listed blueprint's function blueprints in sort order, with their parameters
        (``None``: no such blueprint in the catalog)."""
        with self.database.read() as cursor:
            if self._blueprint_listed(cursor, str(blueprint_id)) is None:
                return None
            cursor.execute(
                self.database.sql(
                    f"SELECT {', '.join(FUNCTION_COLUMNS)} FROM rm_function_blueprints "
                    "WHERE package_blueprint_id = ? ORDER BY sort_order, id"
                ),
                (str(blueprint_id),),
            )
            functions = [_function(row) for row in cursor.fetchall()]
            params = self._params_where(cursor, "p.package_blueprint_id = ?", [str(blueprint_id)])
        return [
            _with_params(function, [p for p in params if p.function_blueprint_id == function.id])
            for function in functions
        ]

    def params_of_function(self, function_blueprint_id: UUID) -> list[ParamRecord] | None:
        """A listed function blueprint's parameters (``None``: no such function)."""
        with self.database.read() as cursor:
            cursor.execute(
                self.database.sql(
                    "SELECT f.package_blueprint_id FROM rm_function_blueprints f "
                    "JOIN rm_package_blueprints b ON b.id = f.package_blueprint_id "
                    "AND b.retired = ? WHERE f.id = ?"
                ),
                (False, str(function_blueprint_id)),
            )
            if cursor.fetchone() is None:
                return None
            return self._params_where(
                cursor, "p.function_blueprint_id = ?", [str(function_blueprint_id)]
            )

    def params(self, query: ListQuery, blueprint_id: UUID | None) -> Page[ParamRecord]:
        conditions, params = ["1 = 1"], list[Any]([False])
        if query.search:
            conditions.append("p.name_folded LIKE ? ESCAPE '\\'")
            params.append(contains(query.search))
        if blueprint_id is not None:
            conditions.append("p.package_blueprint_id = ?")
            params.append(str(blueprint_id))
        sort = tuple((f"p.{column}", descending) for column, descending in query.sort)
        with self.database.read() as cursor:
            rows, total = self._page(
                cursor, _PARAM_SOURCE, _PARAM_SELECT, conditions, params, query, sort, "p.id"
            )
        return Page([_param(row) for row in rows], total, query)

    def param(self, param_id: UUID) -> ParamRecord | None:
        with self.database.read() as cursor:
            found = self._params_where(cursor, "p.id = ?", [str(param_id)])
        return found[0] if found else None

    def _params_where(self, cursor: Cursor, condition: str, params: list[Any]) -> list[ParamRecord]:
        cursor.execute(
            self.database.sql(
                f"SELECT {_PARAM_SELECT} FROM {_PARAM_SOURCE} WHERE {condition} "
                "ORDER BY p.function_blueprint_id, p.position"
            ),
            [False, *params],
        )
        return [_param(row) for row in cursor.fetchall()]

    def _blueprint_listed(self, cursor: Cursor, blueprint_id: str) -> Any:
        cursor.execute(
            self.database.sql(f"SELECT id FROM rm_package_blueprints WHERE id = ? AND {LISTED}"),
            (blueprint_id, False),
        )
        return cursor.fetchone()

    def _with_tags(self, cursor: Cursor, records: list[BlueprintRecord]) -> list[BlueprintRecord]:
        if not records:
            return records
        marks = ", ".join("?" * len(records))
        cursor.execute(
            self.database.sql(
                "SELECT package_blueprint_id, tag, tagged_dttm FROM rm_package_blueprint_tags "
                f"WHERE package_blueprint_id IN ({marks}) ORDER BY package_blueprint_id, tag"
            ),
            [record.id for record in records],
        )
        tags: dict[str, list[tuple[str, str]]] = {}
        for blueprint_id, tag, moment in cursor.fetchall():
            tags.setdefault(blueprint_id, []).append((tag, moment))
        return [
            dataclasses.replace(record, tags=tuple(tags.get(record.id, []))) for record in records
        ]

    def _page(
        self,
        cursor: Cursor,
        source: str,
        columns: str,
        conditions: list[str],
        params: list[Any],
        query: ListQuery,
        sort: tuple[tuple[str, bool], ...] | None = None,
        tie: str = "id",
    ) -> tuple[list[Any], int]:
        where = " AND ".join(conditions)
        cursor.execute(self.database.sql(f"SELECT COUNT(*) FROM {source} WHERE {where}"), params)
        total = int(cursor.fetchone()[0])
        if query.page * query.size >= total:
            return [], total
        order = ", ".join(
            f"{column} {'DESC' if descending else 'ASC'}"
            for column, descending in (sort or query.sort)
        )
        cursor.execute(
            self.database.sql(
                f"SELECT {columns} FROM {source} WHERE {where} "
                f"ORDER BY {order}, {tie} ASC LIMIT ? OFFSET ?"
            ),
            [*params, query.size, query.page * query.size],
        )
        return list(cursor.fetchall()), total


def _function(row: Any) -> FunctionBlueprintRecord:
    (
        id_,
        blueprint_id,
        name,
        kind,
        language,
        code,
        config,
        sort_order,
        inputs,
        created,
        updated,
    ) = row
    return FunctionBlueprintRecord(
        id_,
        blueprint_id,
        name,
        kind,
        language,
        code,
        json.loads(config),
        int(sort_order),
        json.loads(inputs),
        created,
        updated,
    )


def _with_params(
    function: FunctionBlueprintRecord, params: list[ParamRecord]
) -> FunctionBlueprintRecord:
    return FunctionBlueprintRecord(
        function.id,
        function.package_blueprint_id,
        function.name,
        function.type,
        function.language,
        function.code,
        function.config,
        function.sort_order,
        function.test_inputs,
        function.created_dttm,
        function.updated_dttm,
        tuple(params),
    )


def _param(row: Any) -> ParamRecord:
    values = list(row)
    values[10] = bool(values[10])  # SQLite keeps booleans as integers
    return ParamRecord(*values)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A blueprint as the operator's listing shows it, retired ones too."""

    id: str
    name: str
    version: str
    retired: bool


class CatalogLog(TopicFollower):
    """Every blueprint, retired ones too, read from the log's catalog events: exact whether
    or not a projection runs (the command line's ``catalog list``)."""

    topics = CATALOG_EVENT_TOPICS
    name = "catalog"

    def __init__(self, log: EventLog) -> None:
        super().__init__(log)
        self._entries: dict[str, CatalogEntry] = {}

    def entries(self) -> list[CatalogEntry]:
        self.refresh()
        return sorted(self._entries.values(), key=lambda entry: (entry.name.casefold(), entry.id))

    def _apply(self, event: object) -> None:
        blueprint_id = str(getattr(event, "originator_id", ""))
        if isinstance(event, PackageBlueprintRetired):
            self._entries[blueprint_id] = dataclasses.replace(
                self._entries[blueprint_id], retired=True
            )
        elif isinstance(event, PackageBlueprintPublished | PackageBlueprintRepublished):
            blueprint = event.blueprint
            self._entries[blueprint_id] = CatalogEntry(
                blueprint_id, blueprint["name"], blueprint["version"], retired=False
            )
