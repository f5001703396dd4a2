"""The log outlives the code: every stored event and snapshot fixture, of every version ever
written, decodes with the current code into the event and aggregates it was recorded to
make; and no stored class changes its shape without a new version, an upcaster and a fixture.

When one of these fails for a new event type or version, run
``.venv/bin/python -m tests.support.write_event_fixtures`` (the message says so).
"""

from __future__ import annotations

import pytest

from tests.support.event_fixtures import (
    EVENT,
    HOW_TO_ADD,
    SNAPSHOT,
    WRITE_COMMAND,
    Fixture,
    aggregates_of,
    decoded,
    expectations,
    load_fixtures,
    load_schema,
    render,
    render_aggregate,
    snapshot_aggregate,
)
from tests.support.event_schema import missing_fixtures, schema_problems, stored_classes
from tests.support.event_shapes import AGGREGATE_STATE, declares_version, event_classes

EVENT_FIXTURES = load_fixtures(EVENT)
SNAPSHOT_FIXTURES = load_fixtures(SNAPSHOT)
REFRESH = (
    f"If the change in how stored events are read is intended, run `{WRITE_COMMAND} "
    "--refresh-expected` and review the diff of tests/fixtures/events/"
)


def name_of(fixture: Fixture) -> str:
    return fixture.path.name


def test_every_stored_class_and_version_has_a_fixture() -> None:
    missing = missing_fixtures(load_schema())

    assert not missing, (
        "stored classes with no fixture: "
        + ", ".join(f"{topic} (version {version})" for _, topic, version in missing)
        + f". To add them, {HOW_TO_ADD}"
    )


def test_no_stored_class_changed_its_shape_without_a_new_version_and_an_upcaster() -> None:
    problems = schema_problems(load_schema())

    assert not problems, "\n".join(problems)


def test_the_schema_holds_the_current_version_of_every_stored_class() -> None:
    schema = load_schema()

    absent = [
        f"{stored.topic} version {stored.version}"
        for stored in stored_classes()
        if str(stored.version) not in schema.get(stored.kind, {}).get(stored.topic, {})
    ]

    assert not absent, (
        f"not in tests/fixtures/events/schema.json: {absent}. To add them, {HOW_TO_ADD}"
    )


def test_every_event_class_says_its_version_and_has_a_stable_topic() -> None:
    unsaid = [topic for topic, cls in event_classes().items() if not declares_version(cls)]
    unstable = [topic for topic in event_classes() if not topic.startswith("faas.")]

    assert not unsaid, f"declare `class_version = 1` in the body of: {unsaid}"
    assert not unstable, f"decorate with @stable_topic (commands/events/base.py): {unstable}"


@pytest.mark.parametrize("fixture", EVENT_FIXTURES, ids=name_of)
def test_a_stored_event_decodes_into_the_event_and_aggregates_it_made(fixture: Fixture) -> None:
    found = expectations(fixture.records)

    assert found["event"] == fixture.expected["event"], REFRESH
    assert found["aggregates"] == fixture.expected["aggregates"], REFRESH


@pytest.mark.parametrize("fixture", EVENT_FIXTURES, ids=name_of)
def test_an_event_of_any_version_decodes_with_the_fields_of_the_current_one(
    fixture: Fixture,
) -> None:
    (current,) = [s for s in stored_classes() if s.kind == EVENT and s.topic == fixture.topic]
    event = decoded(fixture.records)[-1][1]

    assert type(event) is current.cls
    assert set(vars(event)) == {"originator_id", "originator_version", *current.shape}


@pytest.mark.parametrize("fixture", SNAPSHOT_FIXTURES, ids=name_of)
def test_a_snapshot_of_any_version_restores_the_aggregate_its_events_make(
    fixture: Fixture,
) -> None:
    assert fixture.snapshot is not None
    (from_events,) = aggregates_of(decoded(fixture.records)).values()

    from_snapshot = snapshot_aggregate(fixture.snapshot)

    assert render_aggregate(from_snapshot) == render_aggregate(from_events)
    assert render_aggregate(from_snapshot) == fixture.expected["snapshot"], REFRESH


@pytest.mark.parametrize("fixture", SNAPSHOT_FIXTURES, ids=name_of)
def test_an_aggregate_holds_exactly_the_fields_its_snapshot_shape_names(fixture: Fixture) -> None:
    (current,) = [s for s in stored_classes() if s.kind == SNAPSHOT and s.topic == fixture.topic]
    (aggregate,) = aggregates_of(decoded(fixture.records)).values()

    top_level = {name for name in current.shape if "." not in name}

    assert set(vars(aggregate)) == top_level
    assert set(AGGREGATE_STATE) <= top_level


def test_values_render_the_same_on_every_run() -> None:
    assert render({"b": {2, 1}, "a": (1, None)}) == {"b": [1, 2], "a": [1, None]}
