"""Rows of the read model, in column order, as the projection changes them in memory."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar


def iso_millis(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``; fixed width, so it sorts as text."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Row:
    """A dataclass whose fields are the table's columns, in order."""

    key: ClassVar[str]

    @classmethod
    def columns(cls) -> list[str]:
        return [field.name for field in fields(cls)]  # type: ignore[arg-type]

    def values(self) -> tuple[Any, ...]:
        return astuple(self)  # type: ignore[call-overload,no-any-return]


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
    code: str
    config: str
    created_dttm: str
    updated_dttm: str
