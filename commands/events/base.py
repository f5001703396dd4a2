"""What every stored event is: audited (who, through which request) and under a stable topic."""

from __future__ import annotations

from typing import TypeVar

from eventsourcing.domain import AggregateEvent
from eventsourcing.utils import register_topic

TOPIC_PREFIX = "faas."

EventClass = TypeVar("EventClass", bound=type)


def stable_topic(cls: EventClass) -> EventClass:
    """Give a class the topic ``faas.<name>`` and register it for replay."""
    topic = TOPIC_PREFIX + cls.__name__
    cls.TOPIC = topic  # type: ignore[attr-defined]
    register_topic(topic, cls)
    return cls


class AuditedEvent(AggregateEvent):
    """Who caused an event and through which request: carried by every event we store.

    The inherited ``timestamp`` is the time of the request that caused the event.
    """

    account_id: int
    actor: str
    correlation_id: str
