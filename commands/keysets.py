"""Keysets: which account owns a keyset id, and its subscribe key. A keyset id belongs to one
account, and a subscribe key to one keyset, while registered: each is a stream whose id is
derived from it, so the store's uniqueness of (stream id, version) keeps them so when two
registrations race."""

from __future__ import annotations

import copy
import secrets
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import (
    KeysetAdded,
    KeysetAddedAgain,
    KeysetRemoved,
    SubscribeKeyClaimed,
    SubscribeKeyReclaimed,
    SubscribeKeyReleased,
    stable_topic,
)
from commands.ids import new_id_text

KEYSET_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:keyset")
SUBSCRIBE_KEY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:subscribe-key")
# The page tokens' signing key of a registration: 256 random bits.
TOKEN_KEY_BYTES = 32


@stable_topic
class Keyset(BaseAggregate[UUID]):
    """One keyset id: the account it is registered for, its subscribe key, and the current
    registration (``removed`` once it ends)."""

    account_id: int
    keyset_id: int
    subscribe_key: str
    registration_id: str
    removed: bool

    def __init__(self) -> None:
        """State is set by ``KeysetAdded.apply``."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Keyset:
        # Every attribute is a number, a string or a flag that events replace: a shallow
        # copy with its own pending events is a deep one. Every KV command reads its keyset.
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone

    @staticmethod
    def id_for(keyset_id: int) -> UUID:
        return uuid5(KEYSET_NAMESPACE, str(keyset_id))

    @classmethod
    def add(
        cls,
        existing: Keyset | None,
        keyset_id: int,
        subscribe_key: str,
        context: CommandContext,
    ) -> Keyset:
        """A new registration of the keyset for ``context.account_id`` (the caller has
        checked that ``existing``, if any, is removed)."""
        registration = {
            "keyset_id": keyset_id,
            "subscribe_key": subscribe_key,
            "registration_id": new_id_text(),
            "token_key": secrets.token_hex(TOKEN_KEY_BYTES),
            **event_metadata(context),
        }
        if existing is None:
            return cls._create(KeysetAdded, id=cls.id_for(keyset_id), **registration)
        existing.trigger_event(KeysetAddedAgain, **registration)
        return existing

    def is_registered(self, account_id: int, registration_id: str | None = None) -> bool:
        """Whether the keyset is registered for the account (in that registration, if one
        is named)."""
        return (
            not self.removed
            and self.account_id == account_id
            and registration_id in (None, self.registration_id)
        )

    def remove(self, context: CommandContext) -> None:
        self.trigger_event(
            KeysetRemoved,
            keyset_id=self.keyset_id,
            subscribe_key=self.subscribe_key,
            registration_id=self.registration_id,
            **event_metadata(context),
        )


@stable_topic
class SubscribeKey(BaseAggregate[UUID]):
    """One subscribe key, and the keyset that holds it (``None``: released)."""

    account_id: int
    keyset_id: int | None

    def __init__(self) -> None:
        """State is set by ``SubscribeKeyClaimed.apply``."""

    @staticmethod
    def id_for(subscribe_key: str) -> UUID:
        return uuid5(SUBSCRIBE_KEY_NAMESPACE, subscribe_key)

    @classmethod
    def claim(
        cls,
        existing: SubscribeKey | None,
        subscribe_key: str,
        keyset_id: int,
        context: CommandContext,
    ) -> SubscribeKey:
        """The claim to save: a new one, or a released one taken again (the caller has
        checked that ``existing``, if any, is released)."""
        if existing is None:
            return cls._create(
                SubscribeKeyClaimed,
                id=cls.id_for(subscribe_key),
                keyset_id=keyset_id,
                **event_metadata(context),
            )
        existing.trigger_event(
            SubscribeKeyReclaimed, keyset_id=keyset_id, **event_metadata(context)
        )
        return existing

    def release(self, context: CommandContext) -> None:
        if self.keyset_id is not None:
            self.trigger_event(SubscribeKeyReleased, **event_metadata(context))
