"""Every API key, held in memory and kept fresh from the log, so a request's key check
costs a dictionary lookup and a hash, and revocations reach every process within a second."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from commands.events import KEY_EVENT_TOPICS, ApiKeyIssued, ApiKeyRevoked
from commands.keys import Grant
from projections.source import EventLog

logger = logging.getLogger("faas.keys")

REFRESH_SECONDS = 0.5
PAGE_SIZE = 1000


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


class KeyRing:
    """Key records by id. ``refresh()`` reads only key events after the last position."""

    def __init__(self, log: EventLog, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.log = log
        self.refresh_seconds = refresh_seconds
        self._records: dict[UUID, KeyRecord] = {}
        self._position = 0
        self._refreshed_at = 0.0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def get(self, key_id: UUID) -> KeyRecord | None:
        return self._records.get(key_id)

    def records(self) -> list[KeyRecord]:
        return sorted(self._records.values(), key=lambda record: record.created_at)

    def refresh(self) -> None:
        """Apply the key events written since the last refresh (by any process). Positions
        commit in order (the store's table lock), so none can appear later behind the last
        key event read: reading on from it is enough."""
        with self._lock:
            while page := self.log.of_topics_after(self._position, KEY_EVENT_TOPICS, PAGE_SIZE):
                for position, event in page:
                    self._apply(event)
                    self._position = position
                if len(page) < PAGE_SIZE:
                    break
            self._refreshed_at = time.monotonic()

    def older_than(self, seconds: float) -> bool:
        """Whether the last refresh was more than ``seconds`` ago."""
        return time.monotonic() - self._refreshed_at > seconds

    def refresh_if_older_than(self, seconds: float) -> None:
        """Refresh now unless that was done within ``seconds``: a key made a moment ago by
        another process is then usable at once, while unknown keys cannot make us hammer
        the store."""
        if self.older_than(seconds):
            self.refresh()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="key-ring", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.wait(self.refresh_seconds):
            try:
                self.refresh()
            except Exception:
                logger.exception("could not refresh API keys; retrying")

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
