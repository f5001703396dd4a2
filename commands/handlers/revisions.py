"""Revisions: add one to a package (with its functions), rename it, delete it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from commands.claims import REVISION, Locator
from commands.command import Command
from commands.context import CommandContext, Limits
from commands.errors import RevisionIdTakenError
from commands.handlers.lookups import owned_package, owned_revision
from commands.ids import new_id
from commands.package import FunctionSpec, Package, check_version
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class RevisionChange:
    """A revision as a command left it; ``functions`` as recorded, for a new one (the
    package holds no code)."""

    package: Package
    revision_id: str
    functions: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class AddRevision(Command[RevisionChange]):
    """A new revision of a package; ``name`` ``None``: ``v<n>``, n counting every revision
    the package ever had."""

    package_id: UUID
    functions: tuple[FunctionSpec, ...]
    name: str | None = None
    description: str = ""
    revision_id: UUID | None = None


def add_revision_reads(command: AddRevision, context: CommandContext) -> tuple[UUID, ...]:
    return () if command.revision_id is None else (command.revision_id,)


def add_revision(command: AddRevision, uow: UnitOfWork, limits: Limits) -> RevisionChange:
    revision_id = command.revision_id or new_id()
    if command.revision_id is not None and uow.exists(revision_id):
        raise RevisionIdTakenError(revision_id)
    package = owned_package(uow, command.package_id)
    name = package.next_revision_name() if command.name is None else command.name
    functions = package.add_revision(
        revision_id, name, command.description, command.functions, limits, uow.context
    )
    locator = Locator.locate(revision_id, REVISION, package.id, uow.context)
    uow.stage(package, locator)
    return RevisionChange(package, str(revision_id), functions)


@dataclass(frozen=True, slots=True)
class UpdateRevision(Command[RevisionChange]):
    revision_id: UUID
    name: str | None = None
    description: str | None = None
    expected_version: int | None = None


def update_revision(command: UpdateRevision, uow: UnitOfWork) -> RevisionChange:
    package, revision = owned_revision(uow, command.revision_id)
    check_version(command.expected_version, revision.version)
    package.update_revision(revision.revision_id, command.name, command.description, uow.context)
    uow.stage(package)
    return RevisionChange(package, revision.revision_id)


@dataclass(frozen=True, slots=True)
class DeleteRevision(Command[None]):
    revision_id: UUID
    expected_version: int | None = None


def delete_revision(command: DeleteRevision, uow: UnitOfWork) -> None:
    package, revision = owned_revision(uow, command.revision_id)
    check_version(command.expected_version, revision.version)
    package.delete_revision(revision.revision_id, uow.context)
    uow.stage(package)


def locator_reads(command: UpdateRevision | DeleteRevision, _: CommandContext) -> tuple[UUID, ...]:
    return (command.revision_id,)
