"""Every stored event fixture, of every version ever written, projects into the read-model
rows it was recorded to make, on both stores."""

from __future__ import annotations

import pytest

from service.bootstrap import Container
from tests.support.event_fixtures import (
    EVENT,
    WRITE_COMMAND,
    Fixture,
    decoded,
    load_fixtures,
    read_model_rows,
)

EVENT_FIXTURES = load_fixtures(EVENT)


@pytest.mark.parametrize("fixture", EVENT_FIXTURES, ids=lambda fixture: fixture.path.name)
def test_a_stored_event_projects_into_the_rows_it_made(
    container: Container, fixture: Fixture
) -> None:
    rows = read_model_rows(container.database, decoded(fixture.records))

    assert rows == fixture.expected["read_model"], (
        f"if the change is intended, run `{WRITE_COMMAND} --refresh-expected` and review "
        "the diff of tests/fixtures/events/"
    )
