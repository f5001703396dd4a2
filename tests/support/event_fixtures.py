"""Fixtures of stored events (``tests/fixtures/events``): records exactly as the store holds
them, what the current code makes of them, and the committed schema of every stored class.

An event fixture is the log of a small history (every stream of it, in order) up to and
including the first event of its class and version; a snapshot fixture is one stream's events
and a snapshot of the aggregate they made. Their records are written once and never
rewritten: old versions must decode forever. Their ``expected`` part (the decoded event, each
aggregate's state, the read model's rows) is what the code made of them when it was written,
and is refreshed only on purpose (``--refresh-expected``), so that a change in how old events
are read shows in review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent

from commands.application import EventStore
from projections.database import Database
from projections.parts import PARTS, TABLES
from projections.schema import create_generation, drop_generation, next_generation_number

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "events"
SCHEMA = FIXTURES / "schema.json"
WRITE_COMMAND = ".venv/bin/python -m tests.support.write_event_fixtures"
HOW_TO_ADD = (
    f"run `{WRITE_COMMAND}` (it adds the missing fixtures and schema entries, and never "
    "rewrites existing ones), review and commit tests/fixtures/events/"
)
EVENT, SNAPSHOT = "events", "snapshots"
# A generation of the read model that fixtures are projected into, and dropped after.
FIXTURE_PURPOSE = "fixture"

Record = dict[str, Any]


@dataclass
class Fixture:
    path: Path
    kind: str
    topic: str
    version: int
    records: list[Record]
    expected: dict[str, Any]
    snapshot: Record | None = None
    made_from: str = ""

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "topic": self.topic,
            "class_version": self.version,
            "made_from": self.made_from,
            "records": self.records,
            "expected": self.expected,
        }
        if self.snapshot is not None:
            document["snapshot"] = self.snapshot
        return document

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(dump(self.to_json()))


def dump(document: Any) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def fixture_path(kind: str, topic: str, version: int) -> Path:
    name = topic.removeprefix("faas.").replace(":", ".")
    folder = FIXTURES if kind == EVENT else FIXTURES / SNAPSHOT
    return folder / f"{name}.v{version}.json"


def load_fixtures(kind: str) -> list[Fixture]:
    folder = FIXTURES if kind == EVENT else FIXTURES / SNAPSHOT
    return [_load(kind, path) for path in sorted(folder.glob("*.v*.json"))]


def _load(kind: str, path: Path) -> Fixture:
    document = json.loads(path.read_text())
    return Fixture(
        path,
        kind,
        document["topic"],
        document["class_version"],
        document["records"],
        document["expected"],
        document.get("snapshot"),
        document.get("made_from", ""),
    )


def load_schema() -> dict[str, dict[str, dict[str, dict[str, str]]]]:
    """``{"events"|"snapshots": {topic: {version: {field: type}}}}``"""
    if not SCHEMA.exists():
        return {EVENT: {}, SNAPSHOT: {}}
    loaded: dict[str, dict[str, dict[str, dict[str, str]]]] = json.loads(SCHEMA.read_text())
    return loaded


@cache
def mapper() -> Mapper[UUID]:
    """The store's own mapper (its transcoder and transcodings), with no store behind it."""
    return EventStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper


def record_of(position: int, stored: StoredEvent) -> Record:
    return {
        "position": position,
        "originator_id": str(stored.originator_id),
        "originator_version": stored.originator_version,
        "topic": stored.topic,
        "state": stored.state.decode(),
    }


def stored_of(record: Record) -> StoredEvent:
    """The record as the store hands it to the mapper."""
    return StoredEvent(
        originator_id=UUID(record["originator_id"]),
        originator_version=record["originator_version"],
        topic=record["topic"],
        state=record["state"].encode(),
    )


def decoded(records: list[Record]) -> list[tuple[int, Any]]:
    """``(position, event)`` of each record, decoded (and upcast) by the current code."""
    return [(record["position"], mapper().to_domain_event(stored_of(record))) for record in records]


def aggregates_of(events: list[tuple[int, Any]]) -> dict[str, Any]:
    """Each stream of the events folded into its aggregate, by stream id."""
    folded: dict[str, Any] = {}
    for _, event in events:
        stream = str(event.originator_id)
        folded[stream] = event.mutate(folded.get(stream))
    return folded


def snapshot_aggregate(snapshot: Record) -> Any:
    stored = stored_of({**snapshot, "position": 0})
    restored: Snapshot = mapper().to_domain_event(stored)  # type: ignore[assignment]
    return restored.mutate(None)


def expectations(records: list[Record], snapshot: Record | None = None) -> dict[str, Any]:
    """What the current code makes of the records: the last event as decoded, and every
    stream's aggregate (and, for a snapshot fixture, the aggregate its snapshot restores)."""
    events = decoded(records)
    found: dict[str, Any] = {
        "event": render(vars(events[-1][1])),
        "aggregates": {
            stream: render_aggregate(aggregate)
            for stream, aggregate in sorted(aggregates_of(events).items())
        },
    }
    if snapshot is not None:
        found["snapshot"] = render_aggregate(snapshot_aggregate(snapshot))
    return found


def render_aggregate(aggregate: Any) -> dict[str, Any]:
    state = {key: value for key, value in vars(aggregate).items() if key != "_pending_events"}
    rendered: dict[str, Any] = render(state)
    return rendered


def render(value: Any) -> Any:
    """A value as plain JSON, the same on every run (datetimes and ids as text, a value
    type as its fields with its name)."""
    if isinstance(value, dict):
        return {str(key): render(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((render(item) for item in value), key=repr)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {"_type_": type(value).__name__} | {
            field.name: render(getattr(value, field.name)) for field in fields(value)
        }
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def read_model_rows(database: Database, events: list[tuple[int, Any]]) -> dict[str, list[Any]]:
    """The rows every part of the read model makes of the events, in a generation of their
    own (dropped afterwards), each table's rows in key order. Booleans read as 0 and 1, as
    SQLite keeps them."""
    with database.write() as cursor:
        number = next_generation_number(database, cursor)
        generation = create_generation(database, cursor, number, FIXTURE_PURPOSE)
    try:
        with database.write() as cursor:
            for part in PARTS:
                handled = [(str(e.originator_id), e) for _, e in events if type(e) in part.events]
                if handled:
                    part.apply(database, cursor, generation, handled)
        rows: dict[str, list[Any]] = {}
        with database.read() as cursor:
            for table in TABLES:
                cursor.execute(
                    f"SELECT {', '.join(table.column_names)} FROM "
                    f"{generation.table(table.entity)} ORDER BY {', '.join(table.key)}"
                )
                rows[table.entity] = [
                    [int(v) if isinstance(v, bool) else v for v in row] for row in cursor.fetchall()
                ]
        return rows
    finally:
        with database.write() as cursor:
            drop_generation(database, cursor, number)
