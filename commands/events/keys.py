"""API keys: issued and revoked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import AggregateCreated

from commands.events.base import AuditedEvent, stable_topic

if TYPE_CHECKING:
    from commands.keys import ApiKey


@stable_topic
class ApiKeyIssued(AuditedEvent, AggregateCreated):
    """An API key made for ``account_id``; only the SHA-256 of its secret is kept."""

    class_version = 1

    name: str
    secret_sha256: str
    grants: list[dict[str, Any]]
    expires_at: str | None

    def apply(self, aggregate: ApiKey) -> None:
        aggregate.account_id = self.account_id
        aggregate.name = self.name
        aggregate.secret_sha256 = self.secret_sha256
        aggregate.grants = [dict(grant) for grant in self.grants]
        aggregate.expires_at = self.expires_at
        aggregate.revoked = False


@stable_topic
class ApiKeyRevoked(AuditedEvent):
    class_version = 1

    def apply(self, aggregate: ApiKey) -> None:
        aggregate.revoked = True


# Rare among all events, and read by every process every half second: the event store
# indexes them apart (``ServicePostgresRecorder``), so that the read skips all the others.
KEY_EVENT_TOPICS: tuple[str, ...] = (ApiKeyIssued.TOPIC, ApiKeyRevoked.TOPIC)  # type: ignore[attr-defined]
