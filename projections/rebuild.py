"""Rebuild the read model from the log into a new generation, then switch to it; or verify
that the live read model equals a fresh replay."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from projections.database import Cursor, Database
from projections.failure import STORE_UNAVAILABLE, EventNotAppliedError, failure_of
from projections.parts import EVENT_TYPES, TABLES
from projections.projection import apply_batch
from projections.projector import Projector
from projections.rows import iso_millis
from projections.schema import (
    REBUILD,
    VERIFY,
    Generation,
    create_generation,
    create_indexes,
    drop_generation,
    ensure_schema,
    generation_for,
    live_generation,
    make_live,
    next_generation_number,
)
from projections.tables import Table

Progress = Callable[[int, int], None]

# Events per transaction when replaying: bigger pages are faster, up to about this size;
# memory grows with the page, not with the log.
PAGE_SIZE = 5000


class GenerationChangedError(RuntimeError):
    """Another writer changed the generation being filled (two rebuilds at once)."""

    def __init__(self, number: int) -> None:
        super().__init__(f"generation {number} was changed by another writer")


@dataclass(frozen=True, slots=True)
class RebuildResult:
    generation: int
    position: int
    events_replayed: int
    resumed: bool


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Replay makes millions of short-lived dicts and lists and no reference cycles; the
    cyclic collector's passes over them cost more than the replay itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def rebuild(
    projector: Projector, progress: Progress | None = None, page_size: int = PAGE_SIZE
) -> RebuildResult:
    """Replay the whole log into a new generation (resuming one a killed rebuild left), then
    make it live in one transaction; the old generation is dropped afterwards."""
    database = projector.database
    ensure_schema(database)
    target, resumed = _target(database, REBUILD, resume=True)
    start = target.position
    with cyclic_gc_paused():
        position = _fill(projector, target, progress, page_size)
    create_indexes(database, target)
    with _failure_located(projector, target, None), database.write() as cursor:
        position = _finish(projector, cursor, target)
        retired = make_live(database, cursor, target)
    with database.write() as cursor:
        drop_generation(database, cursor, retired)
    return RebuildResult(target.number, position, position - start, resumed)


def verify(
    projector: Projector,
    progress: Progress | None = None,
    limit: int = 20,
    page_size: int = PAGE_SIZE,
) -> list[str]:
    """Differences between the live read model and a fresh replay of the log up to the same
    position (empty when they agree), and the event the live projection has stopped at, if
    it has. The replay goes only as far as the live read model: it cannot be ahead of it."""
    database = projector.database
    ensure_schema(database)
    target, _ = _target(database, VERIFY, resume=False)
    now = iso_millis(datetime.now(UTC))  # rows past their time are compared by no one
    try:
        with cyclic_gc_paused():
            _fill(projector, target, progress, page_size, stop=projector.position())
        with _failure_located(projector, target, None), database.write() as cursor:
            live = live_generation(database, cursor)
            assert live is not None
            _finish(projector, cursor, target, stop=live.position)
            found = _differences(database, cursor, live, target, limit, now)
            stopped = failure_of(database, cursor, live.number)
        if stopped is not None and stopped.position > live.position:
            found.append(
                f"the live projection has stopped at position {live.position}: the event at "
                f"position {stopped.position} ({stopped.topic}) cannot be applied: "
                f"{stopped.error}"
            )
        return found
    finally:
        with database.write() as cursor:
            drop_generation(database, cursor, target.number)


def _target(database: Database, purpose: str, *, resume: bool) -> tuple[Generation, bool]:
    with database.write() as cursor:
        existing = generation_for(database, cursor, purpose)
        if existing is not None and resume:
            return existing, True
        if existing is not None:
            drop_generation(database, cursor, existing.number)
        number = next_generation_number(database, cursor)
        return create_generation(database, cursor, number, purpose, indexed=False), False


def _fill(
    projector: Projector,
    target: Generation,
    progress: Progress | None,
    page_size: int,
    stop: int | None = None,
) -> int:
    """Replay pages up to ``stop`` (default: the head as it was when the fill began), each
    page in its own transaction, so a killed rebuild resumes where it stopped. An event that
    cannot be applied ends it with ``EventNotAppliedError``, the events before it kept."""
    head = projector.log.head() if stop is None else stop
    position = projector.position(target)
    with closing(projector.log.pages(position, head, page_size, EVENT_TYPES)) as pages:
        while True:
            with _failure_located(projector, target, head):
                events = next(pages, None)
                if events is None:
                    return position
                applied = projector.apply(target, position, events)
            if applied != events[-1][0]:
                raise GenerationChangedError(target.number)
            position = applied
            if progress is not None:
                progress(position, head)


@contextmanager
def _failure_located(projector: Projector, target: Generation, stop: int | None) -> Iterator[None]:
    """A failure to read or apply events that is not the store's is looked for again event
    by event, so that the event that cannot be applied is named (and those before it kept)."""
    try:
        yield
    except STORE_UNAVAILABLE:
        raise
    except EventNotAppliedError:
        raise
    except Exception:
        _locate_failure(projector, target, stop)
        raise


def _locate_failure(projector: Projector, target: Generation, stop: int | None) -> None:
    """Apply the events after the target's position one at a time up to ``stop``: raises
    ``EventNotAppliedError`` at one that cannot be applied; returns if none fails."""
    position: int | None = projector.position(target)
    while position is not None and (stop is None or position < stop):
        position = projector.apply_one_by_one(target, position, stop)


def _finish(
    projector: Projector, cursor: Cursor, target: Generation, stop: int | None = None
) -> int:
    """Within the caller's (locked) transaction, replay what is left up to ``stop`` or the
    head, so the target is exactly as far as the log when the switch happens."""
    database = projector.database
    current = generation_for(database, cursor, target.purpose)
    assert current is not None
    position = current.position
    while True:
        events = projector.log.after(position, projector.batch_size, stop=stop, types=EVENT_TYPES)
        if not events:
            return position
        position = apply_batch(database, cursor, current, events)
        current = Generation(current.number, position, current.purpose)


def _differences(
    database: Database,
    cursor: Cursor,
    live: Generation,
    replay: Generation,
    limit: int,
    now: str,
) -> list[str]:
    found: list[str] = []
    for table in TABLES:
        entity = table.entity
        only_live = _rows_missing_from(database, cursor, table, (live, replay), limit, now)
        only_replay = _rows_missing_from(database, cursor, table, (replay, live), limit, now)
        for key in sorted(only_live | only_replay):
            if key in only_live and key in only_replay:
                what = "differs from the replay"
            elif key in only_live:
                what = "is in the live read model but not in the replay"
            else:
                what = "is missing from the live read model"
            found.append(f"{entity} {'/'.join(key)} {what}")
    return found


def _rows_missing_from(
    database: Database,
    cursor: Cursor,
    table: Table,
    sides: tuple[Generation, Generation],
    limit: int,
    now: str,
) -> set[tuple[str, ...]]:
    """Keys of current rows of the first side that the second does not have exactly."""
    left, right = sides
    columns, key = ", ".join(table.column_names), ", ".join(table.key)
    where, params = "", []
    if table.current_rows is not None:
        where, params = f" WHERE {table.current_rows}", [now]
    cursor.execute(
        database.sql(
            f"SELECT {key} FROM ("
            f"SELECT {columns} FROM {left.table(table.entity)}{where} EXCEPT "
            f"SELECT {columns} FROM {right.table(table.entity)}{where}) AS d "
            f"ORDER BY {key} LIMIT {int(limit)}"
        ),
        params * 2,
    )
    return {tuple(str(value) for value in row) for row in cursor.fetchall()}
