"""The ``Package`` aggregate (with its revisions) and the ``PackageName`` uniqueness record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import BaseAggregate

from commands.commands import CommandContext, CreatePackage, FunctionSpec
from commands.errors import (
    FunctionLimitExceededError,
    PackageNameTakenError,
    VersionMismatchError,
)
from commands.events import (
    EntityLocated,
    FunctionsRegistered,
    PackageCreated,
    PackageDeleted,
    PackageNameClaimed,
    PackageNameReclaimed,
    PackageNameReleased,
    PackageUpdated,
    RevisionAdded,
    RevisionDeleted,
    RevisionUpdated,
    audit,
    stable_topic,
)

PACKAGE_NAME_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:package-name")


@dataclass(frozen=True, slots=True)
class Function:
    function_id: str
    function_revision_id: str
    name: str
    type: str
    language: str
    sort_order: int
    code: str
    config: dict[str, Any]


@dataclass(slots=True)
class Revision:
    revision_id: str
    name: str
    description: str
    created_on: datetime
    version: int
    updated_on: datetime
    functions: tuple[Function, ...] = ()


def check_version(expected: int | None, actual: int) -> None:
    """``If-Match``: the caller's version must be the current one (when it sent one)."""
    if expected is not None and expected != actual:
        raise VersionMismatchError(expected, actual)


@stable_topic
class Package(BaseAggregate[UUID]):
    """A package and its revisions: one stream, so the store guards their invariants together."""

    account_id: int
    name: str
    description: str
    tags: list[str]
    api_managed: bool
    package_blueprint_id: str | None
    revisions: dict[str, Revision]
    deleted: bool

    def __init__(self) -> None:
        """State is set by ``PackageCreated.apply``."""

    @classmethod
    def create(
        cls, command: CreatePackage, context: CommandContext, *, max_functions: int
    ) -> Package:
        """Record ``PackageCreated``, ``RevisionAdded`` and ``FunctionsRegistered``."""
        check_function_limit(command.functions, max_functions)
        package = cls._create(
            PackageCreated,
            id=command.package_id or uuid4(),
            name=command.name,
            description=command.description,
            tags=list(command.tags),
            api_managed=command.api_managed,
            package_blueprint_id=_optional_str(command.package_blueprint_id),
            **audit(context),
        )
        package.add_new_revision(
            command.revision_name,
            command.revision_description,
            command.functions,
            context,
            command.revision_id,
        )
        return package

    def add_new_revision(
        self,
        name: str,
        description: str,
        functions: tuple[FunctionSpec, ...],
        context: CommandContext,
        revision_id: UUID | None = None,
    ) -> str:
        """Record a new revision and its functions; returns the revision id."""
        new_id = str(revision_id or uuid4())
        self.trigger_event(
            RevisionAdded,
            revision_id=new_id,
            name=name,
            description=description,
            **audit(context),
        )
        self.trigger_event(
            FunctionsRegistered,
            revision_id=new_id,
            functions=[_function_payload(spec) for spec in functions],
            **audit(context),
        )
        return new_id

    def update(
        self,
        name: str | None,
        description: str | None,
        tags: tuple[str, ...] | None,
        context: CommandContext,
    ) -> None:
        """Replace the fields sent; the others keep their values."""
        self.trigger_event(
            PackageUpdated,
            name=self.name if name is None else name,
            description=self.description if description is None else description,
            tags=self.tags if tags is None else list(tags),
            **audit(context),
        )

    def delete(self, context: CommandContext) -> None:
        self.trigger_event(PackageDeleted, **audit(context))

    def update_revision(
        self,
        revision_id: str,
        name: str | None,
        description: str | None,
        context: CommandContext,
    ) -> None:
        revision = self.revisions[revision_id]
        self.trigger_event(
            RevisionUpdated,
            revision_id=revision_id,
            name=revision.name if name is None else name,
            description=revision.description if description is None else description,
            **audit(context),
        )

    def delete_revision(self, revision_id: str, context: CommandContext) -> None:
        self.trigger_event(RevisionDeleted, revision_id=revision_id, **audit(context))

    def add_revision(
        self, revision_id: str, name: str, description: str, created_on: datetime, version: int
    ) -> None:
        self.revisions[revision_id] = Revision(
            revision_id, name, description, created_on, version, created_on
        )

    def register_functions(self, revision_id: str, functions: list[dict[str, Any]]) -> None:
        ordered = sorted(functions, key=lambda item: item["sort_order"])
        self.revisions[revision_id].functions = tuple(Function(**item) for item in ordered)


@stable_topic
class PackageName(BaseAggregate[UUID]):
    """One package name of one account; its id is derived from the name, so the store's
    uniqueness of (stream id, version) makes two packages of one name impossible."""

    account_id: int
    name_key: str
    package_id: str | None

    def __init__(self) -> None:
        """State is set by ``PackageNameClaimed.apply``."""

    @staticmethod
    def key(name: str) -> str:
        """Names compare trimmed and case-insensitively."""
        return name.strip().casefold()

    @staticmethod
    def id_for(account_id: int, name: str) -> UUID:
        return uuid5(PACKAGE_NAME_NAMESPACE, f"{account_id}/{PackageName.key(name)}")

    @classmethod
    def claim(cls, name: str, package_id: UUID, context: CommandContext) -> PackageName:
        return cls._create(
            PackageNameClaimed,
            id=cls.id_for(context.account_id, name),
            name_key=cls.key(name),
            package_id=str(package_id),
            **audit(context),
        )

    @classmethod
    def claim_or_reclaim(
        cls, existing: PackageName | None, name: str, package_id: UUID, context: CommandContext
    ) -> PackageName:
        """The claim to save for ``name``: a new one, or a released one taken again."""
        if existing is None:
            return cls.claim(name, package_id, context)
        if existing.package_id is not None and existing.package_id != str(package_id):
            raise PackageNameTakenError(name)
        if existing.package_id is None:
            existing.trigger_event(
                PackageNameReclaimed, package_id=str(package_id), **audit(context)
            )
        return existing

    def release(self, context: CommandContext) -> None:
        if self.package_id is not None:
            self.trigger_event(PackageNameReleased, **audit(context))


@stable_topic
class Locator(BaseAggregate[UUID]):
    """Which package holds a revision (or, later, a deployment), for commands that address
    one by its own id; made in the same transaction, so it also keeps those ids unique."""

    kind: str
    package_id: str

    def __init__(self) -> None:
        """State is set by ``EntityLocated.apply``."""

    @classmethod
    def locate(
        cls, entity_id: UUID, kind: str, package_id: UUID, context: CommandContext
    ) -> Locator:
        return cls._create(
            EntityLocated, id=entity_id, kind=kind, package_id=str(package_id), **audit(context)
        )


def check_function_limit(functions: tuple[FunctionSpec, ...], max_functions: int) -> None:
    if len(functions) > max_functions:
        raise FunctionLimitExceededError(max_functions, len(functions))


def _function_payload(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "function_id": str(spec.function_id or uuid4()),
        "function_revision_id": str(uuid4()),
        "name": spec.name,
        "type": spec.type,
        "language": spec.language,
        "sort_order": spec.sort_order,
        "code": spec.code,
        "config": dict(spec.config),
    }


def _optional_str(value: UUID | None) -> str | None:
    return None if value is None else str(value)
