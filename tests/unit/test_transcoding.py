"""Event state written by the fast transcoder reads back as the library's own writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)

from commands.package_state import DeploymentAsDict
from commands.transcoding import FastJSONTranscoder

MOMENT = datetime(2026, 11, 29, 3, 21, 36, 123000, tzinfo=UTC)
STATES: list[dict[str, Any]] = [
    # What our events hold: JSON values and a top-level timestamp.
    {
        "timestamp": MOMENT,
        "account_id": 7,
        "name": "pkg",
        "api_managed": False,
        "package_blueprint_id": None,
        "ratio": 0.5,
        "tags": ["a", "b"],
        "functions": [{"name": "f", "sort_order": 0, "config": {"path": "p", "n": [1, 2]}}],
    },
    # Values the fast way does not write: the library's encoder writes those states.
    {"timestamp": MOMENT, "ids": [UUID(int=1)]},
    {"timestamp": MOMENT, "nested": {"at": MOMENT}},
    {"price": Decimal("1.50")},
    {"pair": (1, 2)},
]


def with_standard_types(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


@pytest.mark.parametrize("state", STATES)
def test_fast_writes_read_back_as_the_library_writes_do(state: dict[str, Any]) -> None:
    fast = with_standard_types(FastJSONTranscoder())
    library = with_standard_types(JSONTranscoder())

    written = fast.encode(state)

    assert library.decode(written) == library.decode(library.encode(state))
    assert fast.decode(written) == library.decode(written)


def test_a_deployment_snapshotted_before_scheduled_events_existed_has_none() -> None:
    stored = {
        "deployment_id": "d",
        "revision_id": "r",
        "keyset_id": 1,
        "created_on": MOMENT,
        "updated_on": MOMENT,
        "version": 4,
        "running": True,
    }

    assert DeploymentAsDict().decode(stored).schedules == {}
