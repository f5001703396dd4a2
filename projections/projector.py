"""One step of a projection: read the events after a generation's position, apply them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.database import Database
from projections.failure import STORE_UNAVAILABLE, EventNotAppliedError, reason_of
from projections.parts import EVENT_TYPES
from projections.projection import apply_batch
from projections.schema import Generation, live_generation, reload
from projections.source import EventLog


class Projector:
    """Advances one generation of the read model (the live one unless told otherwise)."""

    def __init__(self, database: Database, log: EventLog, batch_size: int = 1000) -> None:
        self.database = database
        self.log = log
        self.batch_size = batch_size

    def position(self, generation: Generation | None = None) -> int:
        """Where ``generation`` (default: the live one) stands in the log."""
        with self.database.read() as cursor:
            current = self._current(cursor, generation)
        return 0 if current is None else current.position

    def step(
        self,
        generation: Generation | None = None,
        stop: int | None = None,
        after: int | None = None,
    ) -> int | None:
        """Apply one batch; the new position, or ``None`` when there was nothing to apply.
        ``after`` is the position the last step returned, if the caller knows it.

        Events are read before the transaction; inside it the position is checked again, so
        a batch that another writer (or a switch to a new generation) overtook is dropped,
        and the position it had is returned. A batch that fails for any reason but the
        store's is applied again one event at a time, so that the events before the one
        that fails are kept and that one is named (``EventNotAppliedError``)."""
        seen = self.position(generation) if after is None else after
        try:
            events = self.log.after(seen, self.batch_size, stop=stop, types=EVENT_TYPES)
            if not events:
                return None
            return self.apply(generation, seen, events)
        except STORE_UNAVAILABLE:
            raise
        except Exception:
            return self.apply_one_by_one(generation, seen, stop)

    def apply(
        self, generation: Generation | None, seen: int, events: Sequence[tuple[int, Any]]
    ) -> int | None:
        """Apply ``events`` (read after ``seen``) in one transaction, if the generation is
        still at ``seen``; its position afterwards (``None`` if it is gone)."""
        with self.database.write() as cursor:
            current = self._current(cursor, generation)
            if current is None or current.position != seen:
                return current.position if current is not None else None
            return apply_batch(self.database, cursor, current, events)

    def apply_one_by_one(
        self, generation: Generation | None, seen: int, stop: int | None = None
    ) -> int | None:
        """Apply up to a batch of events after ``seen``, each in a transaction of its own;
        raises ``EventNotAppliedError`` at the first that cannot be applied. The position
        reached otherwise (``None`` if there was nothing to apply)."""
        position, reached = seen, None
        for row in self.log.rows(seen, self.batch_size):
            if stop is not None and row[0] > stop:
                break
            try:
                events = self.log.after(position, 1, types=EVENT_TYPES)
                reached = self.apply(generation, position, events)
            except STORE_UNAVAILABLE:
                raise
            except Exception as error:
                raise EventNotAppliedError(row[0], str(row[3]), reason_of(error)) from error
            if reached != row[0]:
                return reached  # overtaken by another writer
            position = row[0]
        return reached

    def catch_up(self, generation: Generation | None = None, stop: int | None = None) -> int:
        """Apply batches until nothing is left (up to ``stop``); the final position."""
        position = None
        while (position := self.step(generation, stop, position)) is not None:
            if stop is not None and position >= stop:
                return position
        return self.position(generation)

    def _current(self, cursor: object, generation: Generation | None) -> Generation | None:
        if generation is None:
            return live_generation(self.database, cursor)  # type: ignore[arg-type]
        return reload(self.database, cursor, generation)  # type: ignore[arg-type]
