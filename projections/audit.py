"""The audit trail: every event of the log as a record of what happened, who did it, through
which request, and when; and any package as it stood at a given moment."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from commands.events import TOPIC_PREFIX, PackageCreated
from projections.parts.packages import HANDLERS, PackageRows
from projections.rows import iso_millis
from projections.source import EventLog

# Event fields that are metadata, not payload (shown in their own columns).
METADATA = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "account_id",
        "actor",
        "correlation_id",
        # The version of the event's stored shape (absent from version 1 events).
        "class_version",
    }
)
# Never shown, even hashed: a key's secret, a keyset's page-token signing key, a secret's
# value as ciphertext (useless without its data key, and noise to a reader).
REDACTED = frozenset({"secret_sha256", "token_key", "nonce", "ciphertext"})

_decoder = msgspec.json.Decoder()


class AuditRecord(msgspec.Struct, rename="camel", kw_only=True):
    """One event as the audit trail shows it."""

    position: int
    time: str
    type: str
    aggregate_id: str
    aggregate_version: int
    account_id: int | None
    actor: str | None
    correlation_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to show; ``None`` means any."""

    after: int = 0
    accounts: frozenset[int] | None = None
    package_id: UUID | None = None
    types: frozenset[str] | None = None
    since: str | None = None
    until: str | None = None
    correlation_id: str | None = None

    def admits(self, record: AuditRecord) -> bool:
        return (
            (self.accounts is None or record.account_id in self.accounts)
            and (self.types is None or record.type in self.types)
            and (self.since is None or record.time >= self.since)
            and (self.until is None or record.time <= self.until)
            and (self.correlation_id is None or record.correlation_id == self.correlation_id)
            and (self.package_id is None or record.aggregate_id == str(self.package_id))
        )


def record_of(row: tuple[Any, ...]) -> AuditRecord:
    """An audit record from a raw log row ``(position, stream id, version, topic, state)``."""
    state: dict[str, Any] = _decoder.decode(row[4])
    stamp = state.get("timestamp")
    moment = stamp.get("_data_") if isinstance(stamp, dict) else stamp
    return AuditRecord(
        position=row[0],
        time=_iso_millis_text(moment) if isinstance(moment, str) else "",
        type=row[3].removeprefix(TOPIC_PREFIX),
        aggregate_id=str(row[1]),
        aggregate_version=row[2],
        account_id=state.get("account_id"),
        actor=state.get("actor"),
        correlation_id=state.get("correlation_id"),
        payload={k: v for k, v in state.items() if k not in METADATA and k not in REDACTED},
    )


def _iso_millis_text(text: str) -> str:
    """``2026-01-15T10:30:00.123456+00:00`` → ``2026-01-15T10:30:00.123Z``, without parsing
    when the text is already UTC."""
    if text.endswith("+00:00") and len(text) in (25, 32):
        seconds = text[:19]
        fraction = text[20:23] if len(text) == 32 else "000"
        return f"{seconds}.{fraction}Z"
    return iso_millis(datetime.fromisoformat(text))


def records(
    log: EventLog,
    selection: AuditFilter,
    *,
    follow: bool = False,
    page_size: int = 5000,
    wait: Callable[[float], None] = time.sleep,
    idle_seconds: float = 0.2,
) -> Iterator[AuditRecord]:
    """The selected events in log order, read page by page (memory stays flat); with
    ``follow``, keep waiting for new ones until the consumer stops."""
    position = selection.after
    while True:
        if selection.package_id is not None:
            rows = log.stream_rows(selection.package_id, position, page_size)
        else:
            rows = log.rows(position, page_size)
        for row in rows:
            record = record_of(row)
            if selection.admits(record):
                yield record
        if rows:
            position = rows[-1][0]
            if len(rows) == page_size:
                continue
        if not follow:
            return
        wait(idle_seconds)


def package_events(
    log: EventLog, package_id: UUID, *, newest_first: bool, offset: int, limit: int
) -> tuple[list[AuditRecord], int]:
    """A page of one package's events, and how many it has in all."""
    total = log.stream_length(package_id)
    rows = log.stream_page(package_id, newest_first=newest_first, offset=offset, limit=limit)
    return [record_of(row) for row in rows], total


def stream_account(log: EventLog, package_id: UUID) -> int | None:
    """The account of a package stream (from its first event), or ``None`` if there is none."""
    rows = log.stream_page(package_id, newest_first=False, offset=0, limit=1)
    return record_of(rows[0]).account_id if rows else None


def package_as_of(log: EventLog, package_id: UUID, moment: datetime) -> PackageRows | None:
    """The package's read-model rows as they stood at ``moment``, rebuilt with the very
    handlers of the projection from its events up to then; ``None`` if it did not exist."""
    batch = PackageRows()
    stream_id = str(package_id)
    for _, event in log.stream_events(package_id):
        if not batch.packages and not isinstance(event, PackageCreated):
            return None  # not a package stream
        if event.timestamp > moment:
            break
        handler = HANDLERS.get(type(event))
        if handler is not None:  # a test input's event leaves the package as it was
            handler(batch, stream_id, event)
    if stream_id not in batch.packages or stream_id in batch.deleted_packages:
        return None
    return batch
