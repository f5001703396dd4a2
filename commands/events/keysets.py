"""Keysets registered to accounts, and their subscribe keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.keysets import Keyset, SubscribeKey


class KeysetRegistered(AuditedEvent):
    """A keyset registered for ``account_id`` with its subscribe key (the base of
    ``KeysetAdded`` and ``KeysetAddedAgain``, never stored as itself). Each registration has
    an id of its own (the KV entries it holds are its own: a keyset removed and added again
    starts empty) and a random key that signs its page tokens."""

    keyset_id: int
    subscribe_key: str
    registration_id: str
    token_key: str

    def apply(self, aggregate: Keyset) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.subscribe_key = self.subscribe_key
        aggregate.registration_id = self.registration_id
        aggregate.removed = False


@stable_topic
class KeysetAdded(KeysetRegistered, AggregateCreated):
    """The first registration of a keyset id."""

    class_version = 1


@stable_topic
class KeysetAddedAgain(KeysetRegistered):
    """A removed keyset registered again (for any account, with any subscribe key)."""

    class_version = 1


@stable_topic
class KeysetRemoved(AuditedEvent):
    """The registration ends; its KV entries are gone with it."""

    class_version = 1

    keyset_id: int
    subscribe_key: str
    registration_id: str

    def apply(self, aggregate: Keyset) -> None:
        aggregate.removed = True


@stable_topic
class SubscribeKeyClaimed(AuditedEvent, AggregateCreated):
    """A subscribe key taken by a keyset (one keyset of one account at a time)."""

    class_version = 1

    keyset_id: int

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id


@stable_topic
class SubscribeKeyReleased(AuditedEvent):
    class_version = 1

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.keyset_id = None


@stable_topic
class SubscribeKeyReclaimed(AuditedEvent):
    """A released subscribe key taken again (by any keyset of any account)."""

    class_version = 1

    keyset_id: int

    def apply(self, aggregate: SubscribeKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id


# Rare, and read by every process twice a second: indexed apart like the key events.
KEYSET_EVENT_TOPICS: tuple[str, ...] = (
    KeysetAdded.TOPIC,  # type: ignore[attr-defined]
    KeysetAddedAgain.TOPIC,  # type: ignore[attr-defined]
    KeysetRemoved.TOPIC,  # type: ignore[attr-defined]
)
