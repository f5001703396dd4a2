"""A batch of commands being decided: the aggregates its commands change, in order, and the
unit of work each command decides with."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from commands.context import CommandContext

if TYPE_CHECKING:
    from commands.streams import StoredStreams

A = TypeVar("A")

# What ``Batch.get`` answers for a stream the batch has not read.
UNREAD = object()


class Batch:
    """The aggregates the decided commands of one batch change, with their events in the
    order of the commands; and the changes of the command being decided, until it is kept
    or discarded."""

    def __init__(self, loaded: dict[UUID, Any] | None = None) -> None:
        # Streams read for the batch, as the store has them (None: no such stream).
        self.loaded = loaded or {}
        self.aggregates: dict[UUID, Any] = {}
        self.events: list[Any] = []
        self.side_writes: list[Any] = []
        self._command_side_writes: list[Any] = []
        self._command_aggregates: dict[UUID, Any] = {}
        self._command_events: list[Any] = []
        # Aggregates the command took from ``loaded``: those it leaves unchanged go back.
        self._command_reads: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate as the batch has it so far: the command's own copy, a fresh copy of
        what earlier commands left (so a refused command changes nothing shared), or as it
        was read for the batch (handed to one command at a time: a command that changes it
        stages it; one that only reads it leaves a copy for the next); else UNREAD."""
        found = self._command_aggregates.get(aggregate_id)
        if found is not None:
            return found
        kept = self.aggregates.get(aggregate_id)
        if kept is not None:
            return copy.deepcopy(kept)
        found = self.loaded.get(aggregate_id, UNREAD)
        if found is not UNREAD and found is not None:
            self._command_reads[aggregate_id] = self.loaded.pop(aggregate_id)
        return found

    def changes(self, aggregate_id: UUID) -> bool:
        """Whether a command of the batch (decided or being decided) changes this stream."""
        return aggregate_id in self._command_aggregates or aggregate_id in self.aggregates

    def exists(self, aggregate_id: UUID) -> bool | None:
        """Whether the stream exists, as far as the batch knows (None: it does not know)."""
        if self.changes(aggregate_id):
            return True
        if aggregate_id in self.loaded:
            return self.loaded[aggregate_id] is not None
        return None

    def stage(self, aggregate: Any) -> None:
        self._command_events.extend(aggregate.collect_events())
        self._command_aggregates[aggregate.id] = aggregate

    def stage_side_write(self, write: Any) -> None:
        self._command_side_writes.append(write)

    def keep(self) -> list[Any]:
        """The command is decided: its changes join the batch. Returns its events."""
        events = self._command_events
        self.aggregates.update(self._command_aggregates)
        self.events.extend(events)
        self.side_writes.extend(self._command_side_writes)
        self.discard()
        return events

    def discard(self) -> None:
        for aggregate_id, read in self._command_reads.items():
            # Read and left unchanged (no events): the next command may read it too, from a
            # copy (this command's result may hold the one it read).
            if aggregate_id not in self._command_aggregates and not read.pending_events:
                self.loaded[aggregate_id] = copy.deepcopy(read)
        self._command_reads = {}
        self._command_aggregates = {}
        self._command_events = []
        self._command_side_writes = []


class BatchUnitOfWork:
    """One command's unit of work within its batch: what the batch has not read comes from
    the store."""

    def __init__(self, batch: Batch, context: CommandContext, streams: StoredStreams) -> None:
        self._batch = batch
        self._context = context
        self._streams = streams

    @property
    def context(self) -> CommandContext:
        return self._context

    def get(self, kind: type[A], aggregate_id: UUID, *, owner: int | None = None) -> A | None:
        found = self._batch.get(aggregate_id)
        if found is UNREAD:
            found = self._streams.read(kind, aggregate_id, owner)
        elif owner is not None and getattr(found, "account_id", owner) != owner:
            return None
        return found if isinstance(found, kind) else None

    def exists(self, stream_id: UUID) -> bool:
        known = self._batch.exists(stream_id)
        return self._streams.exists(stream_id) if known is None else known

    def first_event(self, stream_id: UUID) -> object | None:
        return self._streams.first_event(stream_id)

    def stage(self, *aggregates: object | None) -> None:
        for aggregate in aggregates:
            if aggregate is not None:
                self._batch.stage(aggregate)

    def stage_side_write(self, write: Any) -> None:
        self._batch.stage_side_write(write)
