"""The catalog (from the command line, and the starter catalog at start): publish a version of
a package blueprint, retire one. Its commands run as the catalog's account
(``CATALOG_ACCOUNT``), so they are decided one at a time; the ids of a blueprint's function
blueprints and parameters are kept unique by locators saved with the version that first
names them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.catalog import (
    FUNCTION_BLUEPRINT,
    BlueprintContent,
    PackageBlueprint,
)
from commands.claims import Locator
from commands.command import Command
from commands.context import CommandContext
from commands.errors import (
    BlueprintIdTakenError,
    BlueprintVersionNotNewerError,
    PackageBlueprintNotFoundError,
)
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class BlueprintPublication:
    blueprint: PackageBlueprint
    # The version published before (None: the blueprint is new).
    previous_version: str | None = None
    # ``only_if_newer`` and not newer (or retired): nothing changed.
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class PublishPackageBlueprint(Command[BlueprintPublication]):
    """Publish ``content`` as the blueprint's current version: a new blueprint, or a higher
    version of one (which lists it again if it was retired). With ``only_if_newer`` (the
    starter catalog), a version that is not higher, or a retired blueprint, is skipped
    instead of refused."""

    blueprint_id: UUID
    content: BlueprintContent
    only_if_newer: bool = False


def publish_reads(command: PublishPackageBlueprint, context: CommandContext) -> tuple[UUID, ...]:
    return (command.blueprint_id, *command.content.ids())


def publish_package_blueprint(
    command: PublishPackageBlueprint, uow: UnitOfWork
) -> BlueprintPublication:
    blueprint_id, content = command.blueprint_id, command.content
    existing = uow.get(PackageBlueprint, blueprint_id)
    if existing is None and uow.exists(blueprint_id):
        raise BlueprintIdTakenError(blueprint_id, "package blueprint")
    previous = None if existing is None else existing.content.version
    if existing is not None and existing.content.version_key >= content.version_key:
        if command.only_if_newer:
            return BlueprintPublication(existing, previous, skipped=True)
        raise BlueprintVersionNotNewerError(blueprint_id, content.version, previous or "")
    if existing is not None and existing.retired and command.only_if_newer:
        return BlueprintPublication(existing, previous, skipped=True)
    known = set() if existing is None else set(existing.content.ids())
    locators = [
        _locate(uow, entity_id, kind, blueprint_id)
        for entity_id, kind in content.ids().items()
        if entity_id not in known
    ]
    blueprint = PackageBlueprint.publish(existing, blueprint_id, content, uow.context)
    uow.stage(blueprint, *locators)
    return BlueprintPublication(blueprint, previous)


def _locate(uow: UnitOfWork, entity_id: UUID, kind: str, blueprint_id: UUID) -> Locator | None:
    """A new locator for the id (None: an earlier version of this blueprint has one)."""
    what = "function blueprint" if kind == FUNCTION_BLUEPRINT else "function blueprint param"
    if entity_id == blueprint_id:
        raise BlueprintIdTakenError(entity_id, what)
    locator = uow.get(Locator, entity_id)
    if locator is not None and locator.kind == kind and locator.package_id == str(blueprint_id):
        return None
    if locator is not None or uow.exists(entity_id):
        raise BlueprintIdTakenError(entity_id, what)
    return Locator.locate(entity_id, kind, blueprint_id, uow.context)


@dataclass(frozen=True, slots=True)
class PublishPackageBlueprints(Command[tuple[BlueprintPublication, ...]]):
    """Several publications in one command: all of them, or (one refused) none."""

    publications: tuple[PublishPackageBlueprint, ...]


def publish_all_reads(
    command: PublishPackageBlueprints, context: CommandContext
) -> tuple[UUID, ...]:
    return tuple(
        stream_id for item in command.publications for stream_id in publish_reads(item, context)
    )


def publish_package_blueprints(
    command: PublishPackageBlueprints, uow: UnitOfWork
) -> tuple[BlueprintPublication, ...]:
    return tuple(publish_package_blueprint(item, uow) for item in command.publications)


@dataclass(frozen=True, slots=True)
class RetirePackageBlueprint(Command[PackageBlueprint]):
    """Take a blueprint out of the catalog (a retired one again: nothing changes)."""

    blueprint_id: UUID


def retire_reads(command: RetirePackageBlueprint, context: CommandContext) -> tuple[UUID, ...]:
    return (command.blueprint_id,)


def retire_package_blueprint(command: RetirePackageBlueprint, uow: UnitOfWork) -> PackageBlueprint:
    blueprint = uow.get(PackageBlueprint, command.blueprint_id)
    if blueprint is None:
        raise PackageBlueprintNotFoundError
    blueprint.retire(uow.context)
    uow.stage(blueprint)
    return blueprint
