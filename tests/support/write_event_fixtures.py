"""Add the missing fixtures of stored events and snapshots, and the schema entries of new
classes and versions; never rewrites a fixture's records or a version's schema.

    .venv/bin/python -m tests.support.write_event_fixtures [--refresh-expected]

Examples come from the tours (``tests/support/event_tours.py``), then, for event types no
tour records, from the histories the unit tests decide in memory (``event_harvest``).
``--refresh-expected`` recomputes what the current code makes of every fixture's records
(after a deliberate change in how stored events are read: review the diff).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from projections.database import SQLiteDatabase
from projections.schema import ensure_schema
from tests.support.event_fixtures import (
    EVENT,
    SCHEMA,
    Fixture,
    aggregates_of,
    decoded,
    dump,
    expectations,
    fixture_path,
    load_fixtures,
    load_schema,
    mapper,
    read_model_rows,
    record_of,
)
from tests.support.event_harvest import harvested
from tests.support.event_schema import (
    missing_fixtures,
    schema_problems,
    stored_classes,
    with_current_versions,
)
from tests.support.event_shapes import snapshotted_classes
from tests.support.event_tours import tours

History = tuple[str, list[Any]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="write_event_fixtures", description=__doc__)
    parser.add_argument(
        "--refresh-expected",
        action="store_true",
        help="recompute every fixture's expected part from its records with the current code",
    )
    args = parser.parse_args(argv)
    schema = load_schema()
    problems = schema_problems(schema)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    schema = with_current_versions(schema)
    SCHEMA.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA.write_text(dump(schema))
    with read_model() as database:
        unmade = write_missing(missing_fixtures(schema), database)
        if args.refresh_expected:
            refresh(database)
    for message in unmade:
        print(f"error: {message}", file=sys.stderr)
    return 1 if unmade else 0


@contextmanager
def read_model() -> Iterator[SQLiteDatabase]:
    with tempfile.TemporaryDirectory() as folder:
        database = SQLiteDatabase(str(Path(folder) / "read-model.sqlite3"), timeout_seconds=5)
        ensure_schema(database)
        try:
            yield database
        finally:
            database.close()


def write_missing(missing: list[tuple[str, str, int]], database: SQLiteDatabase) -> list[str]:
    """Write a fixture for each missing ``(kind, topic, version)``; what could not be made."""
    current = {(stored.kind, stored.topic): stored.version for stored in stored_classes()}
    unmade: list[str] = []
    histories: list[History] = tours()
    harvest_done = False
    for kind, topic, version in missing:
        if current.get((kind, topic)) != version:
            unmade.append(
                f"{fixture_path(kind, topic, version)} is missing, and the code writes "
                f"version {current.get((kind, topic))} now: restore it from the history of "
                "the repository (fixtures are never made again)"
            )
            continue
        fixture = make(kind, topic, version, histories)
        if fixture is None and not harvest_done:
            histories += harvested()
            harvest_done = True
            fixture = make(kind, topic, version, histories)
        if fixture is None:
            unmade.append(
                f"no example of {topic}: no tour and no unit test records one. Add a "
                "handler test in tests/unit that decides a command recording it "
                "(tests/support/handlers.py: decide(memory(), command)), or a step to a "
                "tour in tests/support/event_tours.py, and run this again"
            )
            continue
        if kind == EVENT:
            fixture.expected["read_model"] = read_model_rows(database, decoded(fixture.records))
        fixture.write()
        print(f"wrote {fixture.path.relative_to(Path.cwd())}", file=sys.stderr)
    return unmade


def make(kind: str, topic: str, version: int, histories: list[History]) -> Fixture | None:
    path = fixture_path(kind, topic, version)
    if kind == EVENT:
        found = _shortest_history_to(topic, histories)
        if found is None:
            return None
        source, events = found
        records = [
            record_of(position, mapper().to_stored_event(event))
            for position, event in enumerate(events, 1)
        ]
        return Fixture(path, kind, topic, version, records, expectations(records), None, source)
    found = _longest_stream_of(snapshotted_classes()[topic], histories)
    if found is None:
        return None
    source, events = found
    records = [
        record_of(position, mapper().to_stored_event(event))
        for position, event in enumerate(events, 1)
    ]
    (aggregate,) = aggregates_of(decoded(records)).values()
    stored = mapper().to_stored_event(Snapshot.take(aggregate))
    snapshot = {key: value for key, value in record_of(0, stored).items() if key != "position"}
    expected = expectations(records, snapshot)
    return Fixture(path, kind, topic, version, records, expected, snapshot, source)


def refresh(database: SQLiteDatabase) -> None:
    for kind in (EVENT, "snapshots"):
        for fixture in load_fixtures(kind):
            expected = expectations(fixture.records, fixture.snapshot)
            if kind == EVENT:
                expected["read_model"] = read_model_rows(database, decoded(fixture.records))
            if expected != fixture.expected:
                fixture.expected = expected
                fixture.write()
                print(f"refreshed {fixture.path.relative_to(Path.cwd())}", file=sys.stderr)


def _shortest_history_to(topic: str, histories: list[History]) -> History | None:
    """The shortest beginning of a history that ends with an event of ``topic``."""
    best: History | None = None
    for source, events in histories:
        for index, event in enumerate(events):
            if get_topic(type(event)) == topic:
                if best is None or index + 1 < len(best[1]):
                    best = (source, events[: index + 1])
                break
    return best


def _longest_stream_of(kind: type[Any], histories: list[History]) -> History | None:
    """The events of the longest stream, in any history, that makes an aggregate of
    ``kind``."""
    best: History | None = None
    for source, events in histories:
        streams: dict[Any, list[Any]] = {}
        for event in events:
            streams.setdefault(event.originator_id, []).append(event)
        for stream in streams.values():
            if [event.originator_version for event in stream] != list(range(1, len(stream) + 1)):
                continue  # a test that made state by hand, not a history that replays
            aggregate = None
            for event in stream:
                aggregate = event.mutate(aggregate)
            if isinstance(aggregate, kind) and (best is None or len(stream) > len(best[1])):
                best = (source, stream)
    return best


if __name__ == "__main__":
    sys.exit(main())
