"""The ``Package`` aggregate (with its revisions) and the ``PackageName`` uniqueness record."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.commands import CommandContext, CreatePackage, FunctionSpec
from commands.errors import (
    ConflictError,
    FunctionLimitExceededError,
    LimitReachedError,
    PackageNameTakenError,
    VersionMismatchError,
)
from commands.events import (
    AccountUsageChanged,
    AccountUsageCreated,
    DeploymentCreated,
    DeploymentDeleted,
    DeploymentStarted,
    DeploymentStopped,
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
from commands.ids import new_id, new_id_text

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


@dataclass(slots=True)
class Deployment:
    deployment_id: str
    revision_id: str
    keyset_id: int
    created_on: datetime
    updated_on: datetime
    version: int
    running: bool = False


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
    deployments: dict[str, Deployment]
    deleted: bool

    def __init__(self) -> None:
        """State is set by ``PackageCreated.apply``."""

    def running_deployments(self, revision_id: str | None = None) -> list[Deployment]:
        return [
            deployment
            for deployment in self.deployments.values()
            if deployment.running and (revision_id is None or deployment.revision_id == revision_id)
        ]

    def deploy(
        self,
        deployment_id: UUID,
        revision_id: str,
        keyset_id: int,
        max_per_revision: int,
        context: CommandContext,
    ) -> None:
        """Put a revision on a keyset, stopped: once per keyset, up to the revision's limit."""
        of_revision = [d for d in self.deployments.values() if d.revision_id == revision_id]
        if any(d.keyset_id == keyset_id for d in of_revision):
            raise ConflictError("FAAS-1015", "the revision is already deployed on that keyset")
        if len(of_revision) >= max_per_revision:
            raise LimitReachedError(
                "FAAS-1030", f"a revision has at most {max_per_revision} deployments"
            )
        self.trigger_event(
            DeploymentCreated,
            deployment_id=str(deployment_id),
            revision_id=revision_id,
            keyset_id=keyset_id,
            **audit(context),
        )

    def start(self, deployment_id: str, context: CommandContext) -> None:
        self.trigger_event(DeploymentStarted, deployment_id=deployment_id, **audit(context))

    def stop(self, deployment_id: str, context: CommandContext) -> bool:
        """Stop a running deployment; ``False`` (and no event) if it was stopped."""
        if not self.deployments[deployment_id].running:
            return False
        self.trigger_event(DeploymentStopped, deployment_id=deployment_id, **audit(context))
        return True

    def remove_deployment(self, deployment_id: str, context: CommandContext) -> None:
        if self.deployments[deployment_id].running:
            raise ConflictError("FAAS-1014", "a running deployment cannot be deleted")
        self.trigger_event(DeploymentDeleted, deployment_id=deployment_id, **audit(context))

    def add_deployment(
        self, deployment_id: str, revision_id: str, keyset_id: int, moment: datetime, version: int
    ) -> None:
        self.deployments[deployment_id] = Deployment(
            deployment_id, revision_id, keyset_id, moment, moment, version
        )

    def set_running(
        self, deployment_id: str, running: bool, moment: datetime, version: int
    ) -> None:
        deployment = self.deployments[deployment_id]
        deployment.running = running
        deployment.updated_on = moment
        deployment.version = version

    @classmethod
    def create(
        cls, command: CreatePackage, context: CommandContext, *, max_functions: int
    ) -> Package:
        """Record ``PackageCreated``, ``RevisionAdded`` and ``FunctionsRegistered``."""
        check_function_limit(command.functions, max_functions)
        package = cls._create(
            PackageCreated,
            id=command.package_id or new_id(),
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
        added = str(revision_id or new_id())
        self.trigger_event(
            RevisionAdded,
            revision_id=added,
            name=name,
            description=description,
            **audit(context),
        )
        self.trigger_event(
            FunctionsRegistered,
            revision_id=added,
            functions=[_function_payload(spec) for spec in functions],
            **audit(context),
        )
        return added

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
        if self.running_deployments():
            raise ConflictError("FAAS-1016", "a package with running deployments cannot be deleted")
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
        if self.running_deployments(revision_id):
            raise ConflictError(
                "FAAS-1017", "a revision with running deployments cannot be deleted"
            )
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
        "function_id": new_id_text() if spec.function_id is None else str(spec.function_id),
        "function_revision_id": new_id_text(),
        "name": spec.name,
        "type": spec.type,
        "language": spec.language,
        "sort_order": spec.sort_order,
        "code": spec.code,
        "config": dict(spec.config),
    }


def _optional_str(value: UUID | None) -> str | None:
    return None if value is None else str(value)


ACCOUNT_USAGE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:account-usage")


@stable_topic
class AccountUsage(BaseAggregate[UUID]):
    """What an account uses of its limits (packages, running deployments). Saved in the same
    transaction as the change it counts, so two commands can never both pass a limit."""

    account_id: int
    packages: int
    running: int

    def __init__(self) -> None:
        """State is set by ``AccountUsageCreated.apply``."""

    def __deepcopy__(self, memo: dict[int, Any]) -> AccountUsage:
        # Every attribute is a number or a string (events replace them, never change them
        # in place): a shallow copy with its own pending events is a deep one. It is copied
        # for every command of a batch, so this matters.
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone

    @staticmethod
    @lru_cache(maxsize=4096)  # every command of an account asks, often several times
    def id_for(account_id: int) -> UUID:
        return uuid5(ACCOUNT_USAGE_NAMESPACE, str(account_id))

    @classmethod
    def open(cls, existing: AccountUsage | None, context: CommandContext) -> AccountUsage:
        if existing is not None:
            return existing
        return cls._create(AccountUsageCreated, id=cls.id_for(context.account_id), **audit(context))

    def change(self, context: CommandContext, *, packages: int = 0, running: int = 0) -> None:
        self.trigger_event(
            AccountUsageChanged,
            packages=self.packages + packages,
            running=self.running + running,
            **audit(context),
        )
