"""A rolling update is one event: a reader of the read model, polling while a burst of them
goes back and forth, never sees both deployments running or neither, nor the package's
counters in between; on both stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from uuid import UUID

import pytest

from commands.handlers.deployments import CreateDeployment, StartDeployment
from commands.handlers.revisions import AddRevision
from commands.handlers.rolling_update import HandOverDeployment
from commands.package import Package
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.support.commands import context, create_package, function_spec

HANDOVERS = 60


def two_deployments(container: Container) -> tuple[Package, UUID, UUID, int]:
    """A package with two revisions on keyset 9, the first running."""
    caller = context()
    package = container.commands.run(create_package(functions=1), caller).value
    added = container.commands.run(AddRevision(package.id, (function_spec(),)), caller).value
    revisions = [UUID(r) for r in package.revisions] + [UUID(added.revision_id)]
    old, new = (
        UUID(container.commands.run(CreateDeployment(r, 9), caller).value.deployment_ids[0])
        for r in revisions
    )
    container.commands.run(StartDeployment(old), caller)
    return package, old, new, caller.account_id


@pytest.fixture
def one_event_batches(settings: Settings) -> Iterator[Container]:
    """A service whose projection applies one event per transaction: a change made of two
    events would show its middle to readers."""
    built = bootstrap(Settings(database_url=settings.database_url, projection_batch_size=1))
    built.start()
    yield built
    built.close()


def test_readers_never_see_both_running_or_neither_during_a_burst(
    one_event_batches: Container,
) -> None:
    container = one_event_batches
    _, old, new, account = two_deployments(container)
    container.projector.catch_up()
    done, seen, problems = threading.Event(), [0], []
    statement = (
        "SELECT d.state, p.deployments_running, p.revisions_running FROM rm_deployments d "
        "JOIN rm_packages p ON p.id = d.package_id WHERE d.id IN (?, ?) ORDER BY d.id"
    )

    def read() -> None:
        while not done.is_set():
            rows = container.database.query(statement, (str(old), str(new)))
            states = sorted(row[0] for row in rows)
            counters = {(row[1], row[2]) for row in rows}
            if states != ["RUNNING", "STOPPED"] or counters != {(1, 1)}:
                problems.append((states, counters))
            seen[0] += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        pair = (old, new)
        for _ in range(HANDOVERS):
            container.commands.run(HandOverDeployment(*pair), context(account))
            pair = (pair[1], pair[0])
        container.projector.catch_up()
    finally:
        done.set()
        reader.join(timeout=30)

    assert problems == []
    assert seen[0] > 0
    final = container.read_model.deployment(account, old)
    assert final is not None
    assert final.deployment.state == "RUNNING"
