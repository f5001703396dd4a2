"""The answers kept for ``Idempotency-Key``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.idempotency import IdempotencyRecord


class _IdempotentAnswer(AuditedEvent):
    """A request with an ``Idempotency-Key`` succeeded: what it was and what it answered,
    committed with the command's own events."""

    fingerprint: str
    status: int
    data: str
    headers: dict[str, str]

    def apply(self, aggregate: IdempotencyRecord) -> None:
        aggregate.account_id = self.account_id
        aggregate.fingerprint = self.fingerprint
        aggregate.status = self.status
        aggregate.data = self.data
        aggregate.headers = dict(self.headers)
        aggregate.used_at = self.timestamp


@stable_topic
class IdempotencyKeyRecorded(_IdempotentAnswer, AggregateCreated):
    """The first use of a key."""

    class_version = 1


@stable_topic
class IdempotencyKeyReused(_IdempotentAnswer):
    """A use of a key whose earlier record had expired."""

    class_version = 1
