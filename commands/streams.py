"""Aggregates read from the event store for the writer: many streams in one query for a
batch, one stream with its owner checked before the rest of it is read, and the aggregates of
snapshotted kinds kept between batches (and snapshotted) as this process committed them."""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import StoredEvent

from commands.batch import Batch
from commands.persistence import ServiceRecorder

# Aggregates of snapshotted kinds kept between batches (hot accounts' usage, busy packages).
COMMITTED_CACHE_SIZE = 10_000


class StoredStreams:
    """The writer's reads of the store (its own thread only)."""

    def __init__(self, store: Application[UUID]) -> None:
        recorder = store.recorder
        if not isinstance(recorder, ServiceRecorder):
            raise TypeError(
                f"{type(recorder).__name__} is not a recorder of commands.persistence: "
                "PERSISTENCE_MODULE must name one of its stores"
            )
        self.recorder: ServiceRecorder = recorder
        self._store = store
        self._intervals: dict[type[Any], int] = dict(store.snapshotting_intervals or {})
        self._committed: OrderedDict[UUID, Any] = OrderedDict()
        # Streams not kept are read from their latest snapshot on (when snapshots are taken).
        snapshots = store.snapshots
        self._snapshots_table: str | None = (
            getattr(snapshots.recorder, "events_table_name", None)
            if snapshots is not None and self._intervals
            else None
        )

    def prefetch(self, stream_ids: Collection[UUID]) -> dict[UUID, Any]:
        """Each stream folded into its aggregate (``None``: no events), in one query; one
        kept from an earlier batch is read only after the version kept, onto a copy; any
        other from its newest snapshot, if it has one (a long stream, such as a busy
        account's usage, would otherwise be read whole by the first batch of a process)."""
        found: dict[UUID, Any] = dict.fromkeys(stream_ids)
        if not found:
            return found
        after = dict.fromkeys(stream_ids, 0)
        for stream_id in stream_ids:
            kept = self._committed.get(stream_id)
            if kept is not None:
                found[stream_id] = copy.deepcopy(kept)
                after[stream_id] = kept.version
        mapper = self._store.mapper
        rows = self.recorder.stream_rows(after, self._snapshots_table)
        for originator_id, version, topic, state in rows:
            # A snapshot's ``mutate`` makes the aggregate afresh; an event's changes it.
            event: Any = mapper.to_domain_event(StoredEvent(originator_id, version, topic, state))
            found[originator_id] = event.mutate(found[originator_id])
        return found

    def read(self, kind: type[Any], stream_id: UUID, owner: int | None) -> Any:
        """One stream as its aggregate, ``None`` when it has none or (with ``owner``) when
        another account made it: known from a kept copy, a snapshot or the first event, before
        anything else of the stream is read."""
        if kind not in self._intervals:
            found = None
            for event in self._store.events.get(stream_id):
                found = event.mutate(found)  # type: ignore[attr-defined]
            return None if _not_owned(found, owner) else found
        kept = self._committed.get(stream_id)
        # Another process may have changed a kept one since: it is brought up to date.
        found = copy.deepcopy(kept) if kept is not None else self._latest_known(stream_id)
        if found is None or _not_owned(found, owner):
            return None
        for event in self._store.events.get(stream_id, gt=found.version):
            found = event.mutate(found)  # type: ignore[attr-defined]
        return found

    def exists(self, stream_id: UUID) -> bool:
        return bool(self.recorder.select_events(stream_id, limit=1))

    def first_event(self, stream_id: UUID) -> object | None:
        return next(iter(self._store.events.get(stream_id, lte=1)), None)

    def remember(self, batch: Batch) -> None:
        """Keep what a committed batch left of the snapshotted kinds for the next batches,
        and snapshot those whose new events passed a multiple of their interval (from memory:
        a snapshot may be of any version)."""
        due: dict[UUID, Any] = {}
        for event in batch.events:
            aggregate = batch.aggregates[event.originator_id]
            interval = self._intervals.get(type(aggregate))
            if interval is None:
                continue
            self._committed[aggregate.id] = aggregate
            self._committed.move_to_end(aggregate.id)
            if event.originator_version % interval == 0:
                due[aggregate.id] = aggregate
        while len(self._committed) > COMMITTED_CACHE_SIZE:
            self._committed.popitem(last=False)
        if due and self._store.snapshots is not None:
            self._store.snapshots.put([Snapshot.take(aggregate) for aggregate in due.values()])

    def forget(self) -> None:
        """What was kept may be stale (another process changed it first, or a commit failed)."""
        self._committed.clear()

    def _latest_known(self, stream_id: UUID) -> Any:
        """The stream's aggregate at its latest snapshot, else at its first event."""
        if self._store.snapshots is not None:
            snapshot: Any
            for snapshot in self._store.snapshots.get(stream_id, desc=True, limit=1):
                return snapshot.mutate(None)
        first: Any = self.first_event(stream_id)
        return None if first is None else first.mutate(None)


def snapshot_long_streams(store: Application[UUID]) -> int:
    """Snapshot each stream of a snapshotted kind that is longer than its kind's interval, at
    its newest version; how many. For a store whose log came without its snapshots (an
    import): otherwise the first command on a long stream, in every process, reads it whole."""
    intervals = store.snapshotting_intervals or {}
    recorder = store.recorder
    if not intervals or store.snapshots is None or not isinstance(recorder, ServiceRecorder):
        return 0
    taken = 0
    for stream_id in recorder.streams_longer_than(min(intervals.values())):
        aggregate: Any = None
        for event in store.events.get(stream_id):
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
        interval = intervals.get(type(aggregate))
        if interval is not None and aggregate.version > interval:
            store.snapshots.put([Snapshot.take(aggregate)])
            taken += 1
    return taken


def _not_owned(aggregate: Any, owner: int | None) -> bool:
    return owner is not None and getattr(aggregate, "account_id", owner) != owner
