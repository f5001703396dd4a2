"""Secrets: one stream per key of one keyset registration, whose id is derived from its place
(as a KV entry's). Its events hold each value as ciphertext only; the value's data key lives in
the side table ``secret_data_keys`` (``commands.persistence.secret_keys``)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import SecretCreated, SecretDeleted, SecretRevealed, SecretSet, stable_topic
from commands.kv import _Shallow, timestamp_text
from commands.vault import SealedValue, SecretPlace

SECRET_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:secret")


def secret_id(registration_id: str, key: str) -> UUID:
    """The stream of a key in a keyset registration (the registration id holds no newline)."""
    return uuid5(SECRET_NAMESPACE, f"{registration_id}\n{key}")


@stable_topic
class Secret(_Shallow, BaseAggregate[UUID]):
    """A secret's current value, as ciphertext, and the id of its data key."""

    account_id: int
    keyset_id: int
    registration_id: str
    key: str
    value_id: str
    nonce: str
    ciphertext: str
    created_at: str
    deleted: bool

    def __init__(self) -> None:
        """State is set by ``SecretCreated.apply``."""

    @property
    def place(self) -> SecretPlace:
        return SecretPlace(self.account_id, self.keyset_id, self.key)

    @classmethod
    def write(
        cls,
        existing: Secret | None,
        keyset_id: int,
        registration_id: str,
        key: str,
        sealed: SealedValue,
        context: CommandContext,
    ) -> Secret:
        """Record a new value (its ciphertext, never the value or its key)."""
        now = timestamp_text(context.requested_at)
        fresh = existing is None or existing.deleted
        written: dict[str, Any] = {
            "keyset_id": keyset_id,
            "registration_id": registration_id,
            "key": key,
            "value_id": sealed.value_id,
            "nonce": sealed.nonce,
            "ciphertext": sealed.ciphertext,
            "created_at": now if fresh else existing.created_at,  # type: ignore[union-attr]
            **event_metadata(context),
        }
        if existing is None:
            return cls._create(SecretCreated, id=secret_id(registration_id, key), **written)
        existing.trigger_event(SecretSet, **written)
        return existing

    def _about(self) -> dict[str, Any]:
        return {
            "keyset_id": self.keyset_id,
            "registration_id": self.registration_id,
            "key": self.key,
        }

    def delete(self, context: CommandContext) -> bool:
        """Delete a secret that holds a value; ``False`` (and no event) otherwise."""
        if self.deleted:
            return False
        self.trigger_event(SecretDeleted, **self._about(), **event_metadata(context))
        return True

    def reveal(self, context: CommandContext) -> None:
        """Record that an operator read the current value."""
        self.trigger_event(
            SecretRevealed, **self._about(), value_id=self.value_id, **event_metadata(context)
        )
