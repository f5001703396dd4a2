"""Commands: what a caller asks the write side to do, free of HTTP and of storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asks, through which request, and when: becomes the metadata of every event."""

    account_id: int
    actor: str
    correlation_id: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function of a new revision, already validated for shape."""

    name: str
    type: str
    code: str
    sort_order: int
    config: dict[str, Any] = field(default_factory=dict)
    language: str = "JAVASCRIPT"
    function_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class CreatePackage:
    """Make a package, its first revision and that revision's functions, all at once."""

    name: str
    functions: tuple[FunctionSpec, ...]
    package_id: UUID | None = None
    description: str = ""
    tags: tuple[str, ...] = ()
    api_managed: bool = False
    package_blueprint_id: UUID | None = None
    revision_name: str = "v1"
    revision_description: str = ""
    revision_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class UpdatePackage:
    """Replace the fields given (``None``: keep); ``expected_version`` from ``If-Match``."""

    package_id: UUID
    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeletePackage:
    package_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AddRevision:
    package_id: UUID
    name: str
    functions: tuple[FunctionSpec, ...]
    description: str = ""
    revision_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class UpdateRevision:
    revision_id: UUID
    name: str | None = None
    description: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeleteRevision:
    revision_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CreateDeployment:
    revision_id: UUID
    keyset_id: int
    deployment_id: UUID | None = None
