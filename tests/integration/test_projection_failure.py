"""An event the projection cannot apply stops it loudly, where it is, on both stores: it is
named (position, type, error) in the store, the log and the command line; the projection
tries it again with a growing pause, never skips it, and resumes once code that can apply
it runs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from commands.events import PackageCreated
from projections.parts.packages import HANDLERS, PackageRows, on_package_created
from projections.rebuild import verify
from projections.runner import MAX_RETRY_SECONDS, retry_pause
from projections.status import read_model_status
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package
from tests.support.server import run_cli
from tests.support.unappliable import eventually, recorded_failure, write_unappliable_event

TOPIC = "faas.PackageCreated"


@pytest.fixture
def own_container(own_store_url: str) -> Iterator[Container]:
    built = bootstrap(Settings(database_url=own_store_url, store_timeout_seconds=2))
    built.runner.retry_seconds = 0.05  # the backoff's first pause, short for a test
    yield built
    built.close()


def stored_package_ids(container: Container) -> set[str]:
    return {str(row[0]) for row in container.database.query("SELECT id FROM rm_packages")}


def test_the_projection_stops_before_an_event_it_cannot_apply_and_names_it(
    own_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    before = own_container.commands.run(create_package(), context())
    bad = write_unappliable_event(own_container)
    after = own_container.commands.run(create_package(), context())

    with caplog.at_level(logging.ERROR, logger="faas.projections"):
        own_container.runner.start()
        failure = recorded_failure(own_container, attempts=3)

    status = read_model_status(own_container.projector)
    assert (failure.position, failure.topic) == (bad, TOPIC)
    assert "OverflowError" in failure.error or "out of range" in failure.error
    # Everything before the event is applied; nothing after it is (nothing is skipped).
    assert before.position <= status.position < bad
    packages = stored_package_ids(own_container)
    assert str(before.value.id) in packages
    assert str(after.value.id) not in packages
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors, "no ERROR line"
    assert f"position {bad} ({TOPIC})" in errors[0]


def test_the_projection_resumes_once_code_that_can_apply_the_event_runs(
    own_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = write_unappliable_event(own_container)
    after = own_container.commands.run(create_package(), context())
    own_container.runner.start()
    recorded_failure(own_container)

    def fixed(batch: PackageRows, package_id: str, event: Any) -> None:
        """A release that stores such accounts (here: as account 0)."""
        on_package_created(batch, package_id, event)
        batch.packages[package_id].account_id = 0

    monkeypatch.setitem(HANDLERS, PackageCreated, fixed)

    head = own_container.projector.log.head()
    eventually(lambda: own_container.projector.position() >= head or None)
    status = read_model_status(own_container.projector)
    assert status.failure is None
    assert status.position == head > bad
    assert str(after.value.id) in stored_package_ids(own_container)


def test_each_try_of_a_failing_event_waits_twice_as_long_up_to_a_cap() -> None:
    assert [retry_pause(attempts, 1.0) for attempts in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry_pause(7, 1.0) == MAX_RETRY_SECONDS
    assert retry_pause(10_000, 1.0) == MAX_RETRY_SECONDS


def test_verify_reports_the_event_the_live_projection_stopped_at(
    own_container: Container,
) -> None:
    own_container.commands.run(create_package(), context())
    bad = write_unappliable_event(own_container)
    own_container.runner.start()
    recorded_failure(own_container)
    own_container.runner.stop()

    differences = verify(own_container.projector)

    assert len(differences) == 1
    assert f"position {bad} ({TOPIC}) cannot be applied" in differences[0]


def test_the_command_line_shows_where_a_stopped_projection_stands(
    own_store_url: str, own_container: Container
) -> None:
    bad = write_unappliable_event(own_container)
    own_container.runner.start()
    recorded_failure(own_container)
    own_container.runner.stop()
    head = own_container.projector.log.head()

    status = run_cli(own_store_url, "project", "--status")
    verified = run_cli(own_store_url, "rebuild", "--verify")
    rebuilt = run_cli(own_store_url, "rebuild")

    assert status.returncode == 1, status.stderr
    assert f"head        {head}" in status.stdout
    assert f"failing at  {bad} ({TOPIC})" in status.stdout
    for finished in (verified, rebuilt):
        assert finished.returncode == 1, finished.stderr
        assert "Traceback" not in finished.stderr
        assert f"position {bad} ({TOPIC})" in finished.stdout + finished.stderr
