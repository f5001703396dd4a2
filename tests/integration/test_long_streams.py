"""A package with a long history: a batch reads its stream from the newest snapshot, not from
the first event, in a process that has kept nothing of it; and a store whose log came without
snapshots (an import) gets them for its long streams."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from commands.export import export_log, import_log
from commands.handlers.deployments import CreateDeployment, StartDeployment, StopDeployment
from commands.streams import snapshot_long_streams
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from tests.conftest import STORES
from tests.support.commands import context, create_package
from tests.support.event_fixtures import render_aggregate
from tests.support.stores import new_store, opened

PACKAGE_INTERVAL = 50


def long_lived_package(container: Container, restarts: int = 30) -> UUID:
    """A package whose deployment was started and stopped ``restarts`` times."""
    caller = context()
    package = container.commands.run(create_package(), caller).value
    (revision,) = package.revisions
    deployed = container.commands.run(CreateDeployment(UUID(revision), 1), caller).value
    deployment = UUID(deployed.deployment_ids[0])
    for _ in range(restarts):
        container.commands.run(StartDeployment(deployment), caller)
        container.commands.run(StopDeployment(deployment), caller)
    return package.id


def folded(container: Container, stream_id: UUID) -> Any:
    aggregate = None
    for event in container.store.events.get(stream_id):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def test_a_batch_reads_a_long_stream_from_its_newest_snapshot(
    container: Container, settings: Settings
) -> None:
    package_id = long_lived_package(container)
    version = folded(container, package_id).version
    fresh = bootstrap(settings)  # as a new process would: nothing kept
    try:
        snapshots = fresh.store.snapshots
        assert snapshots is not None
        table = snapshots.recorder.events_table_name  # type: ignore[attr-defined]

        rows = fresh.commands.group_commit.streams.recorder.stream_rows({package_id: 0}, table)
        prefetched = fresh.commands.group_commit.streams.prefetch([package_id])[package_id]

        assert (rows[0][1], rows[0][2]) == (PACKAGE_INTERVAL, get_topic(Snapshot))
        assert [row[1] for row in rows[1:]] == list(range(PACKAGE_INTERVAL + 1, version + 1))
        assert render_aggregate(prefetched) == render_aggregate(folded(fresh, package_id))
    finally:
        fresh.close()


def test_streams_without_a_snapshot_are_read_whole(container: Container) -> None:
    package_id = container.commands.run(create_package(), context()).value.id
    table = container.store.snapshots.recorder.events_table_name  # type: ignore[union-attr]

    rows = container.commands.group_commit.streams.recorder.stream_rows({package_id: 0}, table)

    assert [row[1] for row in rows] == [1, 2, 3]


@pytest.mark.parametrize("kind", STORES)
def test_an_imported_log_gets_snapshots_of_its_long_streams(kind: str, tmp_path: Path) -> None:
    other = "postgres" if kind == "sqlite" else "sqlite"
    with new_store(kind, tmp_path) as source, opened(source) as container:
        package_id = long_lived_package(container)
        file = io.BytesIO()
        export_log(container.store.recorder, file, "2026-01-15T10:30:00.000Z")
    with new_store(other, tmp_path) as target, opened(target) as container:
        import_log(container.store.recorder, io.BytesIO(file.getvalue()))
        assert container.store.snapshots is not None

        taken = snapshot_long_streams(container.store)
        newest = list(container.store.snapshots.get(package_id, desc=True, limit=1))

        assert taken == 1  # the package (its account's usage is not yet past 100 events)
        assert newest[0].originator_version == folded(container, package_id).version
