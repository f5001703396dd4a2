"""Rows of the read model, in column order, as the projection changes them in memory."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from operator import attrgetter
from typing import Any, ClassVar

ZERO = timedelta(0)


def parse_zoned_time(text: str) -> datetime | None:
    """An ISO-8601 time with a zone (``Z`` or an offset), in UTC; ``None`` otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if moment.tzinfo is None else moment.astimezone(UTC)


@lru_cache(maxsize=4096)
def iso_millis(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``; fixed width, so it sorts as text."""
    if moment.utcoffset() != ZERO:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class Row:
    """A dataclass whose fields are the table's columns, in order."""

    key: ClassVar[str]

    @classmethod
    def columns(cls) -> list[str]:
        return [field.name for field in fields(cls)]  # type: ignore[arg-type]

    def values(self) -> tuple[Any, ...]:
        row_type = type(self)
        getter = _GETTERS.get(row_type)
        if getter is None:
            getter = _GETTERS[row_type] = attrgetter(*row_type.columns())
        values: tuple[Any, ...] = getter(self)
        return values


_GETTERS: dict[type, attrgetter[Any]] = {}


@dataclass(slots=True)
class PackageRow(Row):
    key: ClassVar[str] = "id"
    id: str
    account_id: int
    name: str
    name_folded: str
    description: str
    api_managed: bool
    tags: str
    package_blueprint_id: str | None
    revisions_total: int
    revisions_running: int
    deployments_total: int
    deployments_running: int
    created_dttm: str
    updated_dttm: str
    version: int

    @classmethod
    def from_row(cls, row: Any) -> PackageRow:
        """A stored row; SQLite keeps booleans as integers."""
        package = cls(*row)
        package.api_managed = bool(package.api_managed)
        return package


@dataclass(slots=True)
class RevisionRow(Row):
    key: ClassVar[str] = "id"
    id: str
    package_id: str
    account_id: int
    name: str
    name_folded: str
    description: str
    deployments_total: int
    deployments_running: int
    created_dttm: str
    updated_dttm: str
    version: int


@dataclass(slots=True)
class FunctionRow(Row):
    key: ClassVar[str] = "function_revision_id"
    function_revision_id: str
    package_revision_id: str
    package_id: str
    account_id: int
    function_id: str
    name: str
    name_folded: str
    type: str
    language: str
    sort_order: int
    position: int
    code: str | None  # None where a query leaves it out
    config: str
    created_dttm: str
    updated_dttm: str


@dataclass(slots=True)
class DeploymentRow(Row):
    key: ClassVar[str] = "id"
    id: str
    package_id: str
    package_revision_id: str
    account_id: int
    keyset_id: int
    state: str
    created_dttm: str
    updated_dttm: str
    version: int


@dataclass(slots=True)
class ScheduleRow(Row):
    """One version of a scheduled event: in effect from ``valid_from`` until ``valid_to``
    (``None``: the current one). ``due_dttm`` is when the scheduler must act on the current
    version (its begin, or its end once active; ``None`` once it is done)."""

    key: ClassVar[str] = "id, version"
    id: str
    version: int
    package_id: str
    package_revision_id: str
    deployment_id: str
    account_id: int
    keyset_id: int
    dttm_begin: str
    dttm_end: str
    description: str
    state: str
    failure_reason: str | None
    due_dttm: str | None
    created_dttm: str
    updated_dttm: str
    valid_from: str
    valid_to: str | None
