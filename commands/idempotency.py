"""Idempotency keys: the record of a request that succeeded, saved with its events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import IdempotencyKeyRecorded, IdempotencyKeyReused

IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:faas-packages:idempotency-key")
KEPT_FOR = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    """What the caller's edge rendered as a command's answer, kept to be given again to a
    repeat: opaque here (a status, a text, and named values to repeat with it)."""

    status: int
    data: str
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A caller's key that makes a command happen once: ``scope`` says what kind of request
    it was (one key may serve different kinds); ``fingerprint`` covers everything else the
    request said; ``render`` makes the answer to record from the command's result."""

    key: str
    scope: str
    fingerprint: str
    render: Callable[[Any], RecordedAnswer]


class AnsweredBefore(Exception):
    """A repeat of a request that succeeded earlier: nothing is written, and the answer is
    the first one. Raised in place of the command's result."""

    def __init__(self, response: RecordedAnswer) -> None:
        super().__init__("answered before")
        self.response = response


class IdempotencyRecord(BaseAggregate[UUID]):
    """One key of one account on one route."""

    account_id: int
    fingerprint: str
    status: int
    data: str
    headers: dict[str, str]
    used_at: datetime

    def __init__(self) -> None:
        """State is set by the events' ``apply``."""

    @staticmethod
    def id_for(account_id: int, scope: str, key: str) -> UUID:
        return uuid5(IDEMPOTENCY_NAMESPACE, f"{account_id}\n{scope}\n{key}")

    def is_live(self, now: datetime) -> bool:
        return now - self.used_at < KEPT_FOR

    @property
    def response(self) -> RecordedAnswer:
        return RecordedAnswer(self.status, self.data, dict(self.headers))

    @classmethod
    def record(
        cls,
        existing: IdempotencyRecord | None,
        idempotency: Idempotency,
        response: RecordedAnswer,
        context: CommandContext,
    ) -> IdempotencyRecord:
        """The record to save with the command: a new stream, or an expired one used again."""
        answer = {
            "fingerprint": idempotency.fingerprint,
            "status": response.status,
            "data": response.data,
            "headers": response.headers,
            **event_metadata(context),
        }
        if existing is None:
            record_id = cls.id_for(context.account_id, idempotency.scope, idempotency.key)
            return cls._create(IdempotencyKeyRecorded, id=record_id, **answer)
        existing.trigger_event(IdempotencyKeyReused, **answer)
        return existing
