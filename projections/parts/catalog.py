"""The catalog part of the read model: package blueprints (retired ones keep their row, marked,
so that their first publication time survives), their tags, and the function blueprints and
parameters of each listed blueprint's current version.

A published version replaces the blueprint's functions, parameters and tags whole; a retired
blueprint has none. Function blueprints, parameters and tags are stamped with the time their
version was published."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from commands.blueprint_state import BlueprintContent
from commands.events import (
    PackageBlueprintPublished,
    PackageBlueprintRepublished,
    PackageBlueprintRetired,
)
from projections.database import Cursor, Database
from projections.rows import iso_millis
from projections.tables import SORTABLE, Table

if TYPE_CHECKING:
    from projections.schema import Generation

BLUEPRINTS, TAGS = "package_blueprints", "package_blueprint_tags"
FUNCTIONS, PARAMS = "function_blueprints", "function_blueprint_params"
BLUEPRINT_COLUMNS = (
    "id",
    "name",
    "name_folded",
    "version",
    "description",
    "icon_base64",
    "icon_media_type",
    "retired",
    "created_dttm",
    "updated_dttm",
)
FUNCTION_COLUMNS = (
    "id",
    "package_blueprint_id",
    "name",
    "type",
    "language",
    "code",
    "config",
    "sort_order",
    "test_inputs",
    "created_dttm",
    "updated_dttm",
)
PARAM_COLUMNS = (
    "id",
    "function_blueprint_id",
    "package_blueprint_id",
    "position",
    "name",
    "name_folded",
    "source_name",
    "type",
    "value_type",
    "storage",
    "description",
    "default_value",
    "required",
    "created_dttm",
    "updated_dttm",
)
_ID = f"{SORTABLE} NOT NULL"
TABLES = (
    Table(
        BLUEPRINTS,
        (
            ("id", _ID),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("version", "TEXT NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("icon_base64", "TEXT"),
            ("icon_media_type", "TEXT"),
            ("retired", "BOOLEAN NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("id",),
        indexes=(("by_created", ("retired", "created_dttm")),),
    ),
    Table(
        TAGS,
        (("package_blueprint_id", _ID), ("tag", _ID), ("tagged_dttm", f"{SORTABLE} NOT NULL")),
        key=("package_blueprint_id", "tag"),
        indexes=(("by_tag", ("tag", "package_blueprint_id")),),
    ),
    Table(
        FUNCTIONS,
        (
            ("id", _ID),
            ("package_blueprint_id", _ID),
            ("name", "TEXT NOT NULL"),
            ("type", "TEXT NOT NULL"),
            ("language", "TEXT NOT NULL"),
            ("code", "TEXT NOT NULL"),
            ("config", "TEXT NOT NULL"),
            ("sort_order", "BIGINT NOT NULL"),
            ("test_inputs", "TEXT NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("id",),
        indexes=(("by_blueprint", ("package_blueprint_id", "sort_order")),),
    ),
    Table(
        PARAMS,
        (
            ("id", _ID),
            ("function_blueprint_id", _ID),
            ("package_blueprint_id", _ID),
            ("position", "INTEGER NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("name_folded", f"{SORTABLE} NOT NULL"),
            ("source_name", "TEXT NOT NULL"),
            ("type", "TEXT NOT NULL"),
            ("value_type", "TEXT NOT NULL"),
            ("storage", "TEXT NOT NULL"),
            ("description", "TEXT NOT NULL"),
            ("default_value", "TEXT"),
            ("required", "BOOLEAN NOT NULL"),
            ("created_dttm", f"{SORTABLE} NOT NULL"),
            ("updated_dttm", f"{SORTABLE} NOT NULL"),
        ),
        key=("id",),
        indexes=(
            ("by_function", ("function_blueprint_id", "position")),
            ("by_blueprint", ("package_blueprint_id", "created_dttm")),
        ),
    ),
)
_CHILDREN = (TAGS, FUNCTIONS, PARAMS)


class CatalogPart:
    tables: tuple[Table, ...] = TABLES
    events: frozenset[type] = frozenset(
        {PackageBlueprintPublished, PackageBlueprintRepublished, PackageBlueprintRetired}
    )

    def apply(
        self,
        database: Database,
        cursor: Cursor,
        generation: Generation,
        events: Sequence[tuple[str, Any]],
    ) -> None:
        """Each event in turn: the catalog changes rarely, a few statements each."""
        with database.pipelined(cursor):
            for blueprint_id, event in events:
                _apply_one(database, cursor, generation, blueprint_id, event)


def _apply_one(
    database: Database, cursor: Cursor, generation: Generation, blueprint_id: str, event: Any
) -> None:
    moment = iso_millis(event.timestamp)
    for entity in _CHILDREN:
        column = "package_blueprint_id"
        database.delete(cursor, generation.table(entity), column, [blueprint_id])
    table = generation.table(BLUEPRINTS)
    if isinstance(event, PackageBlueprintRetired):
        cursor.execute(
            database.sql(f"UPDATE {table} SET retired = ?, updated_dttm = ? WHERE id = ?"),
            (True, moment, blueprint_id),
        )
        return
    content = BlueprintContent.from_payload(event.blueprint)
    row = _blueprint_row(blueprint_id, content, moment)
    if isinstance(event, PackageBlueprintPublished):
        database.upsert(cursor, table, BLUEPRINT_COLUMNS, "id", [row])
    else:
        assignments = ", ".join(f"{column} = ?" for column in BLUEPRINT_COLUMNS[1:8])
        cursor.execute(
            database.sql(f"UPDATE {table} SET {assignments}, updated_dttm = ? WHERE id = ?"),
            (*row[1:8], moment, blueprint_id),
        )
    _insert_children(database, cursor, generation, blueprint_id, content, moment)


def _blueprint_row(blueprint_id: str, content: BlueprintContent, moment: str) -> tuple[Any, ...]:
    return (
        blueprint_id,
        content.name,
        content.name.casefold(),
        content.version,
        content.description,
        content.icon_base64,
        content.icon_media_type,
        False,
        moment,
        moment,
    )


def _insert_children(
    database: Database,
    cursor: Cursor,
    generation: Generation,
    blueprint_id: str,
    content: BlueprintContent,
    moment: str,
) -> None:
    tags = [(blueprint_id, tag, moment) for tag in sorted(set(content.tags))]
    database.insert(
        cursor, generation.table(TAGS), ("package_blueprint_id", "tag", "tagged_dttm"), tags
    )
    functions, params = [], []
    for function in content.functions:
        function_id = str(function.function_blueprint_id)
        inputs = [
            {"name": item.name, "payload": item.payload, "mimeType": item.mime_type}
            for item in function.test_inputs
        ]
        functions.append(
            (
                function_id,
                blueprint_id,
                function.name,
                function.type,
                function.language,
                function.code,
                json.dumps(function.config, sort_keys=True),
                function.sort_order,
                json.dumps(inputs, sort_keys=True),
                moment,
                moment,
            )
        )
        params += [
            (
                str(param.param_id),
                function_id,
                blueprint_id,
                position,
                param.name,
                param.name.casefold(),
                param.source_name,
                param.type,
                param.value_type,
                param.storage,
                param.description,
                param.default_value,
                param.required,
                moment,
                moment,
            )
            for position, param in enumerate(function.params)
        ]
    database.insert(cursor, generation.table(FUNCTIONS), FUNCTION_COLUMNS, functions)
    database.insert(cursor, generation.table(PARAMS), PARAM_COLUMNS, params)
