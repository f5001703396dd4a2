"""Importing a package from a catalog blueprint: in one command, the package (made from the
blueprint's version), its first revision with the blueprint's functions, their test inputs, a
stopped deployment on a keyset registered to the account, and the blueprint's vault
parameters as secrets of that keyset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec

from commands.catalog import (
    PARAM_STORAGE,
    BlueprintContent,
    FunctionBlueprint,
    PackageBlueprint,
)
from commands.claims import DEPLOYMENT, REVISION, Locator, PackageName
from commands.command import Command
from commands.context import CommandContext, Limits
from commands.errors import (
    BlueprintParamsError,
    KeysetNotFoundError,
    PackageBlueprintNotFoundError,
    PackageIdTakenError,
    PackageLimitReachedError,
    TestInputLimitReachedError,
)
from commands.handlers.lookups import usage_id, usage_of
from commands.handlers.secrets import stage_secret
from commands.handlers.test_inputs import TestInputFields, record_test_input
from commands.ids import new_id
from commands.keysets import Keyset
from commands.package import FunctionSpec, Package
from commands.unit_of_work import UnitOfWork
from commands.vault import Vault

# Names are 1 to 100 characters; a suffix `` (n)`` shortens a long blueprint name to fit.
MAX_NAME_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 1000
MAX_TAGS, MAX_TAG_LENGTH = 20, 50
_payload_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class ImportedPackage:
    """The package an import made, with its revision and its stopped deployment."""

    package: Package
    revision_id: str
    deployment_id: str


@dataclass(frozen=True, slots=True)
class ImportPackage(Command[ImportedPackage]):
    """Make a package from a catalog blueprint, deployed (stopped) on ``keyset_id``. ``None``
    takes the blueprint's own: its name (made unique in the account by `` (2)``, `` (3)``,
    ...), description and tags. ``params`` gives the vault parameters' values by source
    name. The caller's grants on the keyset are checked before."""

    blueprint_id: UUID
    keyset_id: int
    name: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    revision_name: str = "v1"
    params: Mapping[str, str] = field(default_factory=dict)
    package_id: UUID | None = None


def import_package_reads(command: ImportPackage, context: CommandContext) -> tuple[UUID, ...]:
    named = () if command.name is None else (PackageName.id_for(context.account_id, command.name),)
    chosen = () if command.package_id is None else (command.package_id,)
    return (
        command.blueprint_id,
        Keyset.id_for(command.keyset_id),
        usage_id(context.account_id),
        *named,
        *chosen,
    )


def import_package(
    command: ImportPackage, uow: UnitOfWork, limits: Limits, vault: Vault | None
) -> ImportedPackage:
    """Everything the import makes, staged together: the package (its revision, functions,
    test inputs and deployment), its name claim, the locators and the account's usage."""
    context = uow.context
    blueprint = uow.get(PackageBlueprint, command.blueprint_id)
    if blueprint is None or blueprint.retired:
        raise PackageBlueprintNotFoundError
    content = blueprint.content
    secrets = blueprint_secret_values(content, command.params)
    keyset = uow.get(Keyset, Keyset.id_for(command.keyset_id), owner=context.account_id)
    if keyset is None or not keyset.is_registered(context.account_id):
        raise KeysetNotFoundError
    package_id = command.package_id or new_id()
    if command.package_id is not None and uow.exists(package_id):
        raise PackageIdTakenError(package_id)
    usage = usage_of(uow)
    # Checked before a free name is looked for: the names taken are at most the limit.
    if usage.packages >= limits.packages_per_account:
        raise PackageLimitReachedError(limits.packages_per_account)
    claim, name = _name_claim(uow, command.name, content.name, package_id)
    package = Package.create(
        package_id,
        name,
        _description(command.description, content),
        _tags(command.tags, content),
        False,
        command.blueprint_id,
        context,
        content.version,
    )
    revision_id, deployment_id = new_id(), new_id()
    specs = tuple(_function_spec(function) for function in content.functions)
    recorded = package.add_revision(revision_id, command.revision_name, "", specs, limits, context)
    locators = _test_inputs(package, str(revision_id), content, recorded, limits, context)
    package.deploy(deployment_id, str(revision_id), command.keyset_id, limits, context)
    usage.change(context, packages=1)
    locators.append(Locator.locate(revision_id, REVISION, package_id, context))
    locators.append(Locator.locate(deployment_id, DEPLOYMENT, package_id, context))
    uow.stage(package, claim, usage, *locators)
    stage_blueprint_secrets(
        uow, vault=vault, account=context.account_id, keyset_id=command.keyset_id, values=secrets
    )
    return ImportedPackage(package, str(revision_id), str(deployment_id))


def stage_blueprint_secrets(
    uow: UnitOfWork,
    *,
    vault: Vault | None,
    account: int,
    keyset_id: int,
    values: dict[str, str],
) -> None:
    """Stage the blueprint's vault parameters as secrets of the keyset (source name → value),
    in the import's own unit of work: they are saved with the package or not at all."""
    for key, value in values.items():
        stage_secret(uow, vault=vault, account=account, keyset_id=keyset_id, key=key, value=value)


def blueprint_secret_values(content: BlueprintContent, params: Mapping[str, str]) -> dict[str, str]:
    """The value of each vault parameter of the blueprint by source name: the one given, else
    its default; a required one with neither, or a name the blueprint lacks, is refused."""
    known = {param.source_name for function in content.functions for param in function.params}
    unknown = tuple(name for name in params if name not in known)
    values: dict[str, str] = {}
    required: set[str] = set()
    for function in content.functions:
        for param in function.params:
            if param.storage != PARAM_STORAGE:
                continue
            value = params.get(param.source_name, param.default_value)
            if value is not None:
                values.setdefault(param.source_name, value)
            elif param.required:
                required.add(param.source_name)
    missing = tuple(sorted(required - set(values)))
    if unknown or missing:
        raise BlueprintParamsError(unknown, missing)
    return values


def candidate_name(base: str, attempt: int) -> str:
    """The ``attempt``-th name tried for a package of a blueprint named ``base``."""
    base = base.strip()
    if attempt == 1:
        return base[:MAX_NAME_LENGTH].rstrip()
    suffix = f" ({attempt})"
    return f"{base[: MAX_NAME_LENGTH - len(suffix)].rstrip()}{suffix}"


def _name_claim(
    uow: UnitOfWork, chosen: str | None, base: str, package_id: UUID
) -> tuple[PackageName, str]:
    """The claim of the package's name, and the name: the chosen one (taken: refused, as a
    create is), or the first of the blueprint's name, then `` (2)``, `` (3)``, ... that no
    package of the account holds. Decided under the account's write lock, on the claims as
    this batch left them, so imports at the same moment take different names."""
    account = uow.context.account_id
    if chosen is not None:
        existing = uow.get(PackageName, PackageName.id_for(account, chosen))
        return PackageName.claim_or_reclaim(existing, chosen, package_id, uow.context), chosen
    attempt = 1
    while True:
        name = candidate_name(base, attempt)
        existing = uow.get(PackageName, PackageName.id_for(account, name))
        if existing is None or existing.package_id is None:
            return PackageName.claim_or_reclaim(existing, name, package_id, uow.context), name
        attempt += 1


def _test_inputs(
    package: Package,
    revision_id: str,
    content: BlueprintContent,
    recorded: list[dict[str, Any]],
    limits: Limits,
    context: CommandContext,
) -> list[Locator]:
    """The blueprint's test inputs, each recorded for its function's new function revision
    (``recorded``: the revision's functions, in the blueprint's order); their locators."""
    limit = limits.test_inputs_per_function_revision
    locators = []
    for function, made in zip(content.functions, recorded, strict=True):
        if len(function.test_inputs) > limit:
            raise TestInputLimitReachedError(limit)
        for test_input in function.test_inputs:
            payload = _payload_encoder.encode(test_input.payload).decode()
            fields = TestInputFields(payload, test_input.name, test_input.mime_type)
            _, locator = record_test_input(
                package, revision_id, made["function_revision_id"], new_id(), fields, context
            )
            locators.append(locator)
    return locators


def _description(chosen: str | None, content: BlueprintContent) -> str:
    return content.description[:MAX_DESCRIPTION_LENGTH] if chosen is None else chosen


def _tags(chosen: tuple[str, ...] | None, content: BlueprintContent) -> tuple[str, ...]:
    """The tags chosen, else the blueprint's that a package may hold."""
    if chosen is not None:
        return chosen
    fitting = dict.fromkeys(t for t in content.tags if 1 <= len(t) <= MAX_TAG_LENGTH and t.strip())
    return tuple(fitting)[:MAX_TAGS]


def _function_spec(function: FunctionBlueprint) -> FunctionSpec:
    return FunctionSpec(
        name=function.name,
        type=function.type,
        code=function.code,
        sort_order=function.sort_order,
        config=dict(function.config),
        language=function.language,
    )
