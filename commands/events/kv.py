"""The KV store: strings, JSON values and counters of a keyset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.kv import KvCounter, KvEntry


class _KvEvent(AuditedEvent):
    """A change of one KV entry: which registration of which keyset, which kind of entry
    (``string``, ``json`` or ``counter``) and which key, in every event of its stream."""

    keyset_id: int
    registration_id: str
    kind: str
    key: str


@stable_topic
class KvValueSet(_KvEvent):
    """A string or JSON value written, with the time it expires (ISO-8601 UTC, millis)."""

    class_version = 1

    value: Any
    expires_at: str

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.expires_at = self.expires_at
        aggregate.deleted = False


@stable_topic
class KvEntryCreated(KvValueSet, AggregateCreated):
    """The first write of a string or JSON key."""

    class_version = 1

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.kind = self.kind
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class KvEntryDeleted(_KvEvent):
    class_version = 1

    def apply(self, aggregate: KvEntry) -> None:
        aggregate.deleted = True


@stable_topic
class KvCounterChanged(_KvEvent):
    """A counter changed by ``delta`` (an increment, a decrement, or a write of a new
    value), and its value after the change."""

    class_version = 1

    delta: int
    value: int

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.value = self.value
        aggregate.deleted = False


@stable_topic
class KvCounterCreated(KvCounterChanged, AggregateCreated):
    """The first change of a counter (from 0)."""

    class_version = 1

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.account_id = self.account_id
        aggregate.keyset_id = self.keyset_id
        aggregate.registration_id = self.registration_id
        aggregate.key = self.key
        super().apply(aggregate)


@stable_topic
class KvCounterDeleted(_KvEvent):
    class_version = 1

    def apply(self, aggregate: KvCounter) -> None:
        aggregate.value = 0
        aggregate.deleted = True
