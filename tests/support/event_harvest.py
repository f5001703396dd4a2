"""Histories recorded by the handler tests: every command a unit test decides in memory
(``tests/support/handlers.py``: ``decide(memory(), command)``) is watched, and each unit of
work's events are kept in order. Event types that no tour records (those of features added
since) get their fixtures from here."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import pytest

from commands.memory import InMemoryUnitOfWork
from tests.support.event_fixtures import ROOT

UNIT_TESTS = ROOT / "tests" / "unit"


class HistoryRecorder:
    """A pytest plugin: the events each in-memory unit of work keeps, per unit of work."""

    def __init__(self) -> None:
        self.histories: dict[int, tuple[str, list[Any]]] = {}
        self.held: list[InMemoryUnitOfWork] = []
        self._test = ""
        self._original: Callable[..., Any] | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self._test = item.nodeid
        return (yield)

    def pytest_sessionstart(self) -> None:
        original = self._original = InMemoryUnitOfWork.run
        recorder = self

        def run(uow: InMemoryUnitOfWork, handle: Any, command: Any) -> Any:
            kept = len(uow.events)
            try:
                return original(uow, handle, command)
            finally:
                if id(uow) not in recorder.histories:
                    recorder.histories[id(uow)] = (recorder._test, [])
                    # Held, so that the id of a finished unit of work is never used again.
                    recorder.held.append(uow)
                recorder.histories[id(uow)][1].extend(uow.events[kept:])

        InMemoryUnitOfWork.run = run  # type: ignore[method-assign]

    def pytest_sessionfinish(self) -> None:
        if self._original is not None:
            InMemoryUnitOfWork.run = self._original  # type: ignore[method-assign]


def harvested() -> list[tuple[str, list[Any]]]:
    """The histories of every unit of work the unit tests decided commands with."""
    recorder = HistoryRecorder()
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(["-q", "-p", "no:cacheprovider", str(UNIT_TESTS)], plugins=[recorder])
    return [(f"test: {test}", events) for test, events in recorder.histories.values() if events]
