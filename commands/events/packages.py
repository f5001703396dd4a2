"""A package's own events: made, changed and deleted, its revisions and functions, its
name's claim, and the locators of the entities inside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic
from commands.package_state import Function, Revision

if TYPE_CHECKING:
    from commands.claims import Locator, PackageName
    from commands.package import Package


@stable_topic
class PackageCreated(AuditedEvent, AggregateCreated):
    """A package, custom or made from a catalog blueprint (its id and version then).

    Version 2 added ``package_blueprint_version``."""

    class_version = 2

    name: str
    description: str
    tags: list[str]
    api_managed: bool
    package_blueprint_id: str | None
    package_blueprint_version: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """Packages created before version 2 came from no published blueprint version."""
        state["package_blueprint_version"] = None

    def apply(self, aggregate: Package) -> None:
        aggregate.account_id = self.account_id
        aggregate.name = self.name
        aggregate.description = self.description
        aggregate.tags = list(self.tags)
        aggregate.api_managed = self.api_managed
        aggregate.package_blueprint_id = self.package_blueprint_id
        aggregate.package_blueprint_version = self.package_blueprint_version
        aggregate.revisions = {}
        aggregate.deployments = {}
        aggregate.revisions_added = 0
        aggregate.inputs_version = 0
        aggregate.unchanged_version = 0
        aggregate.unchanged_on = None
        aggregate.deleted = False


@stable_topic
class RevisionAdded(AuditedEvent):
    class_version = 1

    revision_id: str
    name: str
    description: str

    def apply(self, aggregate: Package) -> None:
        aggregate.revisions[self.revision_id] = Revision(
            self.revision_id,
            self.name,
            self.description,
            self.timestamp,
            self.originator_version,
            self.timestamp,
        )
        aggregate.revisions_added += 1


@stable_topic
class FunctionsRegistered(AuditedEvent):
    """The functions of one revision, fixed for the revision's life.

    Each item of ``functions`` has the keys ``function_id``, ``function_revision_id``,
    ``name``, ``type``, ``language``, ``sort_order``, ``code`` and ``config``.
    """

    class_version = 1

    revision_id: str
    functions: list[dict[str, Any]]

    def apply(self, aggregate: Package) -> None:
        ordered = sorted(self.functions, key=lambda item: item["sort_order"])
        aggregate.revisions[self.revision_id].functions = tuple(
            Function(
                item["function_id"],
                item["function_revision_id"],
                item["name"],
                item["type"],
                item["language"],
                item["sort_order"],
                item["config"],
            )
            for item in ordered
        )


@stable_topic
class PackageNameClaimed(AuditedEvent, AggregateCreated):
    """A package name (trimmed, case-folded) taken within an account."""

    class_version = 1

    name_key: str
    package_id: str

    def apply(self, aggregate: PackageName) -> None:
        aggregate.account_id = self.account_id
        aggregate.name_key = self.name_key
        aggregate.package_id = self.package_id


@stable_topic
class PackageUpdated(AuditedEvent):
    """The package's name, description and tags after the update (all three, always)."""

    class_version = 1

    name: str
    description: str
    tags: list[str]

    def apply(self, aggregate: Package) -> None:
        aggregate.name = self.name
        aggregate.description = self.description
        aggregate.tags = list(self.tags)


@stable_topic
class PackageDeleted(AuditedEvent):
    """The package is gone, with its revisions; its events stay in the log."""

    class_version = 1

    def apply(self, aggregate: Package) -> None:
        aggregate.deleted = True


@stable_topic
class RevisionUpdated(AuditedEvent):
    class_version = 1

    revision_id: str
    name: str
    description: str

    def apply(self, aggregate: Package) -> None:
        revision = aggregate.revisions[self.revision_id]
        revision.name = self.name
        revision.description = self.description
        revision.version = self.originator_version
        revision.updated_on = self.timestamp


@stable_topic
class RevisionDeleted(AuditedEvent):
    class_version = 1

    revision_id: str

    def apply(self, aggregate: Package) -> None:
        del aggregate.revisions[self.revision_id]
        for deployment_id, deployment in list(aggregate.deployments.items()):
            if deployment.revision_id == self.revision_id:
                del aggregate.deployments[deployment_id]


@stable_topic
class PackageNameReleased(AuditedEvent):
    """The name is free again (its package was renamed or deleted)."""

    class_version = 1

    def apply(self, aggregate: PackageName) -> None:
        aggregate.package_id = None


@stable_topic
class PackageNameReclaimed(AuditedEvent):
    """A released name taken by another package of the account."""

    class_version = 1

    package_id: str

    def apply(self, aggregate: PackageName) -> None:
        aggregate.package_id = self.package_id


@stable_topic
class EntityLocated(AuditedEvent, AggregateCreated):
    """Where an entity addressed by its own id lives: the package stream that holds it."""

    class_version = 1

    kind: str
    package_id: str

    def apply(self, aggregate: Locator) -> None:
        aggregate.account_id = self.account_id
        aggregate.kind = self.kind
        aggregate.package_id = self.package_id
