"""A unit of work over aggregates held in memory, with no store: for deciding commands in
tests, and for tools that make many aggregates to save in bulk."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from commands.context import CommandContext

A = TypeVar("A")
C = TypeVar("C")
R = TypeVar("R")


class InMemoryUnitOfWork:
    """What a handler stages is kept when it returns (its events in ``events``) and dropped
    when it raises, as a batch would."""

    def __init__(self, context: CommandContext, *aggregates: Any) -> None:
        self.context = context
        self.aggregates: dict[UUID, Any] = {aggregate.id: aggregate for aggregate in aggregates}
        self.events: list[Any] = []
        self.side_writes: list[Any] = []
        self._side_writes: list[Any] = []
        self._first_events: dict[UUID, Any] = {}
        self._staged: dict[UUID, Any] = {}

    def get(self, kind: type[A], aggregate_id: UUID, *, owner: int | None = None) -> A | None:
        found = self._staged.get(aggregate_id)
        if found is None:
            found = copy.deepcopy(self.aggregates.get(aggregate_id))
        if not isinstance(found, kind):
            return None
        if owner is not None and getattr(found, "account_id", owner) != owner:
            return None
        return found

    def exists(self, stream_id: UUID) -> bool:
        return stream_id in self.aggregates or stream_id in self._staged

    def first_event(self, stream_id: UUID) -> object | None:
        return self._first_events.get(stream_id)

    def stage(self, *aggregates: object | None) -> None:
        for aggregate in aggregates:
            if aggregate is not None:
                self._staged[aggregate.id] = aggregate  # type: ignore[attr-defined]

    def stage_side_write(self, write: Any) -> None:
        self._side_writes.append(write)

    def run(self, handle: Callable[[C, InMemoryUnitOfWork], R], command: C) -> R:
        """Decide ``command`` with ``handle``; keep what it staged only if it succeeds."""
        self._staged, self._side_writes = {}, []
        try:
            result = handle(command, self)
        finally:
            staged, self._staged = self._staged, {}
            side_writes, self._side_writes = self._side_writes, []
        self.side_writes += side_writes
        for aggregate in staged.values():
            events = aggregate.collect_events()
            if events and events[0].originator_version == 1:
                self._first_events.setdefault(aggregate.id, events[0])
            self.events += events
            self.aggregates[aggregate.id] = aggregate
        return result

    def take_events(self) -> list[Any]:
        """The events kept so far (to save in bulk), forgetting them here."""
        events, self.events = self.events, []
        return events
