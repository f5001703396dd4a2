"""One step of a projection: read the events after a generation's position, apply them."""

from __future__ import annotations

from projections.database import Database
from projections.projection import HANDLERS, apply_batch
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
        and the position it had is returned."""
        seen = self.position(generation) if after is None else after
        events = self.log.after(seen, self.batch_size, stop=stop, types=HANDLERS)
        if not events:
            return None
        with self.database.write() as cursor:
            current = self._current(cursor, generation)
            if current is None or current.position != seen:
                return current.position if current is not None else None
            return apply_batch(self.database, cursor, current, events)

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
