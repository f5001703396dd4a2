"""A keyset's secrets: ciphertext and metadata only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.secrets import Secret


class _SecretEvent(AuditedEvent):
    """A change of one secret: which registration of which keyset, and which key, in every
    event of its stream. No event ever holds a value or a data key, plain or wrapped."""

    keyset_id: int
    registration_id: str
    key: str


@stable_topic
class SecretSet(_SecretEvent):
    """A new value, as AES-256-GCM ciphertext under a data key of its own (``value_id``
    names the key's row in the store's side table); ``nonce`` and ``ciphertext`` in base64.
    The value is bound to its account, keyset, key and value id (``commands.vault``)."""

    class_version = 1

    value_id: str
    nonce: str
    ciphertext: str
    # When the secret was made: this value's time for a new one (or one deleted before).
    created_at: str

    def apply(self, aggregate: Secret) -> None:
        aggregate.created_at = self.created_at
        aggregate.value_id = self.value_id
        aggregate.nonce = self.nonce
        aggregate.ciphertext = self.ciphertext
        aggregate.deleted = False


@stable_topic
class SecretCreated(SecretSet, AggregateCreated):
    """The first value of a key."""

    class_version = 1

    def apply(self, aggregate: Secret) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class SecretDeleted(_SecretEvent):
    """The secret is gone, and its value's data key with it."""

    class_version = 1

    def apply(self, aggregate: Secret) -> None:
        aggregate.deleted = True


@stable_topic
class SecretRevealed(_SecretEvent):
    """An operator read the value back (``faas-packages secrets reveal``): who, when, which
    value; never the value."""

    class_version = 1

    value_id: str

    def apply(self, aggregate: Secret) -> None:
        pass
