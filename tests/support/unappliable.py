"""An event the read model cannot store, written into a real store through the application."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from projections.failure import ProjectionFailure
from projections.status import read_model_status
from service.bootstrap import Container
from tests.support.commands import context, create_package

T = TypeVar("T")

# What ``keys create --account 1180591620717411303424`` once let in: a key of this account
# creates packages, and no read-model column (64-bit) holds the account id of their rows.
UNSTORABLE_ACCOUNT = 2**70


def write_unappliable_event(container: Container) -> int:
    """A package of an account id the read model cannot store; the log position of its
    ``PackageCreated`` event (the write side takes it: it stores JSON)."""
    saved = container.commands.run(create_package(), context(UNSTORABLE_ACCOUNT))
    rows = container.projector.log.stream_rows(saved.value.id, 0, 1)
    position: int = rows[0][0]
    return position


def eventually(probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """What ``probe`` answers once it answers something, polled until ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError(f"nothing within {timeout} s")


def recorded_failure(container: Container, attempts: int = 1) -> ProjectionFailure:
    """The projection's recorded failure, once it has tried at least ``attempts`` times."""

    def probe() -> ProjectionFailure | None:
        failure = read_model_status(container.projector).failure
        return failure if failure is not None and failure.attempts >= attempts else None

    return eventually(probe)
