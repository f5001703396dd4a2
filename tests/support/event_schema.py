"""The rules the committed schema of stored classes (``tests/fixtures/events/schema.json``)
holds the code to: a class's stored fields change only with a new ``class_version``, an
upcaster from the one before, and a fixture of the new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.event_fixtures import EVENT, HOW_TO_ADD, SNAPSHOT, fixture_path
from tests.support.event_shapes import (
    Shape,
    event_classes,
    event_shape,
    snapshot_shape,
    snapshotted_classes,
    upcaster_name,
    version_of,
)

Schema = dict[str, dict[str, dict[str, Shape]]]


@dataclass(frozen=True)
class Stored:
    """A stored class as the code has it now."""

    kind: str
    topic: str
    cls: type[Any]
    version: int
    shape: Shape


def stored_classes() -> list[Stored]:
    found = [
        Stored(EVENT, topic, cls, version_of(cls), event_shape(cls))
        for topic, cls in event_classes().items()
    ]
    found += [
        Stored(SNAPSHOT, topic, cls, version_of(cls), snapshot_shape(cls))
        for topic, cls in snapshotted_classes().items()
    ]
    return found


def schema_problems(schema: Schema) -> list[str]:
    """What is wrong between the code and the committed schema (no fixture is looked at)."""
    problems: list[str] = []
    for stored in stored_classes():
        recorded = schema.get(stored.kind, {}).get(stored.topic, {})
        what = f"{stored.topic} ({_noun(stored.kind)})"
        shape = recorded.get(str(stored.version))
        if shape is not None and shape != stored.shape:
            problems.append(
                f"{what}: its stored fields changed ({_difference(shape, stored.shape)}) but "
                f"its class_version is still {stored.version}. Stored {_noun(stored.kind)}s "
                f"of version {stored.version} exist: give the class class_version = "
                f"{stored.version + 1} and a static method "
                f"{upcaster_name(stored.version)}(state) that turns a stored version "
                f"{stored.version} state into a version {stored.version + 1} one, then "
                f"{HOW_TO_ADD}"
            )
        known = [int(version) for version in recorded]
        if known and stored.version < max(known):
            problems.append(
                f"{what}: class_version {stored.version} is older than version {max(known)} "
                "in the schema; a version, once stored, never goes away"
            )
        for version in range(1, stored.version):
            if not callable(getattr(stored.cls, upcaster_name(version), None)):
                problems.append(
                    f"{what}: class_version is {stored.version} but it has no static method "
                    f"{upcaster_name(version)}(state): stored version {version} states could "
                    "not be read"
                )
    return problems


def with_current_versions(schema: Schema) -> Schema:
    """The schema with every class's current version added (none is ever changed)."""
    updated: Schema = {EVENT: {}, SNAPSHOT: {}}
    for kind in (EVENT, SNAPSHOT):
        for topic, versions in schema.get(kind, {}).items():
            updated[kind][topic] = dict(versions)
    for stored in stored_classes():
        versions = updated[stored.kind].setdefault(stored.topic, {})
        versions.setdefault(str(stored.version), stored.shape)
    for kind in updated:
        updated[kind] = {
            topic: dict(sorted(versions.items(), key=lambda item: int(item[0])))
            for topic, versions in sorted(updated[kind].items())
        }
    return updated


def missing_fixtures(schema: Schema) -> list[tuple[str, str, int]]:
    """``(kind, topic, version)`` of each version, in the schema or current in the code,
    that has no fixture."""
    wanted = {
        (kind, topic, int(version))
        for kind in (EVENT, SNAPSHOT)
        for topic, versions in schema.get(kind, {}).items()
        for version in versions
    }
    wanted |= {(stored.kind, stored.topic, stored.version) for stored in stored_classes()}
    return sorted(item for item in wanted if not fixture_path(*item).exists())


def _noun(kind: str) -> str:
    return "event" if kind == EVENT else "snapshot"


def _difference(before: Shape, after: Shape) -> str:
    added = [f"+{name}: {after[name]}" for name in sorted(after.keys() - before.keys())]
    removed = [f"-{name}" for name in sorted(before.keys() - after.keys())]
    retyped = [
        f"{name}: {before[name]} -> {after[name]}"
        for name in sorted(before.keys() & after.keys())
        if before[name] != after[name]
    ]
    return ", ".join(added + removed + retyped)
