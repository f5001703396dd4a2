"""Streams that make ids and names unique: a package name's claim, and the locator of a
revision, deployment or scheduled event (which package stream holds it, and for which
account)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.errors import PackageNameTakenError
from commands.events import (
    EntityLocated,
    PackageNameClaimed,
    PackageNameReclaimed,
    PackageNameReleased,
    stable_topic,
)

PACKAGE_NAME_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:package-name")
REVISION = "revision"
DEPLOYMENT = "deployment"
SCHEDULE = "schedule"
TEST_INPUT = "test-input"


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
    def claim_or_reclaim(
        cls, existing: PackageName | None, name: str, package_id: UUID, context: CommandContext
    ) -> PackageName:
        """The claim to save for ``name``: a new one, or a released one taken again."""
        if existing is None:
            return cls._create(
                PackageNameClaimed,
                id=cls.id_for(context.account_id, name),
                name_key=cls.key(name),
                package_id=str(package_id),
                **event_metadata(context),
            )
        if existing.package_id is not None and existing.package_id != str(package_id):
            raise PackageNameTakenError(name)
        if existing.package_id is None:
            existing.trigger_event(
                PackageNameReclaimed, package_id=str(package_id), **event_metadata(context)
            )
        return existing

    def release(self, context: CommandContext) -> None:
        if self.package_id is not None:
            self.trigger_event(PackageNameReleased, **event_metadata(context))


@stable_topic
class Locator(BaseAggregate[UUID]):
    """Which package holds a revision, a deployment or a test input, for commands that
    address one by its own id; made in the same transaction, so it also keeps those ids
    unique. It names the account too: another account's id is refused before its package
    is read."""

    account_id: int
    kind: str
    package_id: str

    def __init__(self) -> None:
        """State is set by ``EntityLocated.apply``."""

    @classmethod
    def locate(
        cls, entity_id: UUID, kind: str, package_id: UUID, context: CommandContext
    ) -> Locator:
        return cls._create(
            EntityLocated,
            id=entity_id,
            kind=kind,
            package_id=str(package_id),
            **event_metadata(context),
        )

    def locates(self, kind: str, account_id: int) -> bool:
        """Whether this is an entity of ``kind`` of the account."""
        return self.kind == kind and self.account_id == account_id
