"""Every API key, held in memory and kept fresh from the log, so a request's key check
costs a dictionary lookup and a hash, and revocations reach every process within a second."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from commands.events import KEY_EVENT_TOPICS, ApiKeyIssued, ApiKeyRevoked
from commands.keys import Grant
from projections.follower import REFRESH_SECONDS, TopicFollower
from projections.source import EventLog


@dataclass(frozen=True, slots=True)
class KeyRecord:
    key_id: UUID
    account_id: int
    name: str
    secret_sha256: str
    grants: tuple[Grant, ...]
    expires_at: datetime | None
    created_at: datetime
    revoked: bool = False

    def usable_at(self, moment: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or moment < self.expires_at)


class KeyRing(TopicFollower):
    """Key records by id, kept fresh from the key events."""

    topics = KEY_EVENT_TOPICS
    name = "key-ring"

    def __init__(self, log: EventLog, refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__(log, refresh_seconds)
        self._records: dict[UUID, KeyRecord] = {}

    def get(self, key_id: UUID) -> KeyRecord | None:
        return self._records.get(key_id)

    def records(self) -> list[KeyRecord]:
        return sorted(self._records.values(), key=lambda record: record.created_at)

    def _apply(self, event: object) -> None:
        if isinstance(event, ApiKeyIssued):
            expires = None if event.expires_at is None else datetime.fromisoformat(event.expires_at)
            self._records[event.originator_id] = KeyRecord(
                key_id=event.originator_id,
                account_id=event.account_id,
                name=event.name,
                secret_sha256=event.secret_sha256,
                grants=tuple(Grant.from_payload(grant) for grant in event.grants),
                expires_at=expires,
                created_at=event.timestamp,
            )
        elif isinstance(event, ApiKeyRevoked) and event.originator_id in self._records:
            record = self._records[event.originator_id]
            self._records[event.originator_id] = replace(record, revoked=True)
