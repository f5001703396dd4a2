"""Every registered keyset, held in memory and kept fresh from the log (as the key ring is):
a request's subscribe key is found by a dictionary lookup, and a keyset registered a moment
ago, by any process, is found at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commands.events import KEYSET_EVENT_TOPICS, KeysetRegistered, KeysetRemoved
from projections.follower import REFRESH_SECONDS, TopicFollower
from projections.source import EventLog


@dataclass(frozen=True, slots=True)
class KeysetRecord:
    keyset_id: int
    account_id: int
    subscribe_key: str
    registration_id: str
    token_key: bytes
    added_at: datetime


class KeysetDirectory(TopicFollower):
    """Registered keysets by subscribe key, kept fresh from the keyset events."""

    topics = KEYSET_EVENT_TOPICS
    name = "keysets"

    def __init__(self, log: EventLog, refresh_seconds: float = REFRESH_SECONDS) -> None:
        super().__init__(log, refresh_seconds)
        self._by_subscribe_key: dict[str, KeysetRecord] = {}

    def get(self, subscribe_key: str) -> KeysetRecord | None:
        return self._by_subscribe_key.get(subscribe_key)

    def of_keyset(self, keyset_id: int) -> KeysetRecord | None:
        """The registration of a keyset id, if any (for the command line)."""
        return next((r for r in self.records() if r.keyset_id == keyset_id), None)

    def records(self) -> list[KeysetRecord]:
        return sorted(self._by_subscribe_key.values(), key=lambda record: record.keyset_id)

    def _apply(self, event: object) -> None:
        if isinstance(event, KeysetRegistered):
            self._by_subscribe_key[event.subscribe_key] = KeysetRecord(
                keyset_id=event.keyset_id,
                account_id=event.account_id,
                subscribe_key=event.subscribe_key,
                registration_id=event.registration_id,
                token_key=bytes.fromhex(event.token_key),
                added_at=event.timestamp,
            )
        elif isinstance(event, KeysetRemoved):
            record = self._by_subscribe_key.get(event.subscribe_key)
            if record is not None and record.registration_id == event.registration_id:
                del self._by_subscribe_key[event.subscribe_key]
