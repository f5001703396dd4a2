"""The KV store: an entry (a string or a JSON value, which expires) or a counter (64-bit,
never expiring) of one keyset registration, each a stream of its own whose id is derived from
its place. Their state holds what decisions need: a value only for counters."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.errors import CounterOutOfRangeError
from commands.events import (
    KvCounterChanged,
    KvCounterCreated,
    KvCounterDeleted,
    KvEntryCreated,
    KvEntryDeleted,
    KvValueSet,
    stable_topic,
)

KV_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:kv-entry")
STRING, JSON, COUNTER = "string", "json", "counter"
# Secrets' keys follow the rules of KV keys (their streams are of their own: ``commands.secrets``).
SECRET = "secret"  # noqa: S105 - a kind of entry, not a password
MIN_COUNTER, MAX_COUNTER = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class KvPlace:
    """Where an entry lives: a key of one kind in one registration of a keyset."""

    keyset_id: int
    registration_id: str
    kind: str
    key: str

    @property
    def stream_id(self) -> UUID:
        # Neither the registration id nor the kind holds a newline: the key is what follows.
        return uuid5(KV_NAMESPACE, f"{self.registration_id}\n{self.kind}\n{self.key}")

    def payload(self) -> dict[str, Any]:
        return {
            "keyset_id": self.keyset_id,
            "registration_id": self.registration_id,
            "kind": self.kind,
            "key": self.key,
        }


def timestamp_text(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``: fixed width, so it compares as text."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


class _Shallow:
    """Aggregates whose attributes are numbers, strings and flags that events replace: a
    shallow copy with its own pending events is a deep one. A batch copies an aggregate for
    each command that reads it, and a hot counter is read by every command of a batch."""

    _pending_events: list[Any]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        clone = copy.copy(self)
        clone._pending_events = list(self._pending_events)
        return clone


@stable_topic
class KvEntry(_Shallow, BaseAggregate[UUID]):
    """A string or JSON entry; its value stays in its events (and the read model)."""

    account_id: int
    keyset_id: int
    registration_id: str
    kind: str
    key: str
    expires_at: str
    deleted: bool

    def __init__(self) -> None:
        """State is set by ``KvEntryCreated.apply``."""

    @classmethod
    def write(
        cls,
        existing: KvEntry | None,
        place: KvPlace,
        value: Any,
        ttl_seconds: int,
        context: CommandContext,
    ) -> KvEntry:
        """Record the value, expiring ``ttl_seconds`` after the request."""
        expires_at = timestamp_text(context.requested_at + timedelta(seconds=ttl_seconds))
        written = {
            **place.payload(),
            "value": value,
            "expires_at": expires_at,
            **event_metadata(context),
        }
        if existing is None:
            return cls._create(KvEntryCreated, id=place.stream_id, **written)
        existing.trigger_event(KvValueSet, **written)
        return existing

    def live_at(self, moment: datetime) -> bool:
        """Whether the entry holds a value at ``moment`` (not deleted, not expired)."""
        return not self.deleted and self.expires_at > timestamp_text(moment)

    def delete(self, place: KvPlace, context: CommandContext) -> bool:
        """Delete a live entry; ``False`` (and no event) when it holds no value."""
        if not self.live_at(context.requested_at):
            return False
        self.trigger_event(KvEntryDeleted, **place.payload(), **event_metadata(context))
        return True


@stable_topic
class KvCounter(_Shallow, BaseAggregate[UUID]):
    """A 64-bit signed counter; a missing or deleted one counts from 0."""

    account_id: int
    keyset_id: int
    registration_id: str
    key: str
    value: int
    deleted: bool

    def __init__(self) -> None:
        """State is set by ``KvCounterCreated.apply``."""

    @staticmethod
    def value_of(counter: KvCounter | None) -> int:
        return 0 if counter is None or counter.deleted else counter.value

    @classmethod
    def change(
        cls, existing: KvCounter | None, place: KvPlace, delta: int, context: CommandContext
    ) -> KvCounter:
        """Add ``delta``; past the 64-bit range the change is refused."""
        current = cls.value_of(existing)
        value = current + delta
        if not MIN_COUNTER <= value <= MAX_COUNTER:
            raise CounterOutOfRangeError(current, delta)
        changed = {**place.payload(), "delta": delta, "value": value, **event_metadata(context)}
        if existing is None:
            return cls._create(KvCounterCreated, id=place.stream_id, **changed)
        existing.trigger_event(KvCounterChanged, **changed)
        return existing

    @classmethod
    def set(
        cls, existing: KvCounter | None, place: KvPlace, value: int, context: CommandContext
    ) -> KvCounter:
        """Write a new value: a change by the difference."""
        return cls.change(existing, place, value - cls.value_of(existing), context)

    def delete(self, place: KvPlace, context: CommandContext) -> bool:
        """Delete the counter; ``False`` (and no event) when there is none."""
        if self.deleted:
            return False
        self.trigger_event(KvCounterDeleted, **place.payload(), **event_metadata(context))
        return True
