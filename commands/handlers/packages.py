"""Packages: create one (with its first revision), change it, delete it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.claims import REVISION, Locator, PackageName
from commands.command import Command
from commands.context import CommandContext, Limits
from commands.errors import PackageIdTakenError, PackageLimitReachedError, RevisionIdTakenError
from commands.handlers.lookups import owned_package, usage_id, usage_of
from commands.ids import new_id
from commands.package import FunctionSpec, Package, check_version
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class CreatePackage(Command[Package]):
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
    # The catalog's blueprint version the package is made from (None: a custom package).
    package_blueprint_version: str | None = None


def create_package_reads(command: CreatePackage, context: CommandContext) -> tuple[UUID, ...]:
    chosen = (i for i in (command.package_id, command.revision_id) if i is not None)
    name_claim = PackageName.id_for(context.account_id, command.name)
    return (name_claim, usage_id(context.account_id), *chosen)


def create_package(command: CreatePackage, uow: UnitOfWork, limits: Limits) -> Package:
    """The package, its first revision, its functions, its name claim, the revision's
    locator and the account's usage, saved together."""
    context = uow.context
    package_id = command.package_id or new_id()
    revision_id = command.revision_id or new_id()
    package = Package.create(
        package_id,
        command.name,
        command.description,
        command.tags,
        command.api_managed,
        command.package_blueprint_id,
        context,
        command.package_blueprint_version,
    )
    package.add_revision(
        revision_id,
        command.revision_name,
        command.revision_description,
        command.functions,
        limits,
        context,
    )
    # Only ids a client chose can be taken already; random ones are new by construction.
    if command.package_id is not None and uow.exists(package_id):
        if uow.first_event(package_id) == package.pending_events[0]:
            return package  # the same create again, after its answer was lost
        raise PackageIdTakenError(package_id)
    if command.revision_id is not None and uow.exists(revision_id):
        raise RevisionIdTakenError(revision_id)
    claim_id = PackageName.id_for(context.account_id, command.name)
    claim = PackageName.claim_or_reclaim(
        uow.get(PackageName, claim_id), command.name, package_id, context
    )
    usage = usage_of(uow)
    if usage.packages >= limits.packages_per_account:
        raise PackageLimitReachedError(limits.packages_per_account)
    usage.change(context, packages=1)
    locator = Locator.locate(revision_id, REVISION, package_id, context)
    uow.stage(package, claim, locator, usage)
    return package


@dataclass(frozen=True, slots=True)
class UpdatePackage(Command[Package]):
    """Replace the fields given (``None``: keep), at ``expected_version`` if one is given."""

    package_id: UUID
    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    expected_version: int | None = None


def update_package(command: UpdatePackage, uow: UnitOfWork) -> Package:
    """A new name is claimed and the old one released in the same transaction."""
    package = owned_package(uow, command.package_id)
    check_version(command.expected_version, package.package_version)
    claims = _claims_for_rename(uow, package, command.name)
    package.update(command.name, command.description, command.tags, uow.context)
    uow.stage(package, *claims)
    return package


@dataclass(frozen=True, slots=True)
class DeletePackage(Command[None]):
    package_id: UUID
    expected_version: int | None = None


def delete_package_reads(command: DeletePackage, context: CommandContext) -> tuple[UUID, ...]:
    return (usage_id(context.account_id),)


def delete_package(command: DeletePackage, uow: UnitOfWork) -> None:
    """The package and its revisions go; its name is free again."""
    context = uow.context
    package = owned_package(uow, command.package_id)
    check_version(command.expected_version, package.package_version)
    claim = uow.get(PackageName, PackageName.id_for(package.account_id, package.name))
    if claim is not None and claim.package_id == str(package.id):
        claim.release(context)
    package.delete(context)
    usage = usage_of(uow)
    usage.change(context, packages=-1)
    uow.stage(package, claim, usage)


def _claims_for_rename(
    uow: UnitOfWork, package: Package, new_name: str | None
) -> list[PackageName]:
    """The name claims a rename changes: the new one taken, the old one released."""
    if new_name is None or PackageName.key(new_name) == PackageName.key(package.name):
        return []
    account, context = package.account_id, uow.context
    new = PackageName.claim_or_reclaim(
        uow.get(PackageName, PackageName.id_for(account, new_name)), new_name, package.id, context
    )
    old = uow.get(PackageName, PackageName.id_for(account, package.name))
    if old is None or old.package_id != str(package.id):
        return [new]
    old.release(context)
    return [new, old]
