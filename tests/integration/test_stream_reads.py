"""A batch reads a stream it has not kept from the stream's latest snapshot on: a stream that
grows for good (an account's usage, a counter) costs a snapshot and the events after it."""

from __future__ import annotations

from commands.handlers.packages import CreatePackage, DeletePackage
from commands.streams import StoredStreams
from commands.usage import AccountUsage
from service.bootstrap import Container
from tests.support.builders import unique_account, unique_name
from tests.support.commands import context, function_spec

INTERVAL = 100  # AccountUsage's snapshotting interval


def test_a_stream_not_kept_is_read_from_its_latest_snapshot_and_folds_to_the_same_state(
    container: Container,
) -> None:
    account = unique_account()
    for _ in range(INTERVAL // 2 + 10):  # each create and delete is one usage event
        package = container.commands.run(
            CreatePackage(unique_name(), (function_spec(),)), context(account)
        ).value
        container.commands.run(DeletePackage(package.id), context(account))
    usage_id = AccountUsage.id_for(account)
    fresh = StoredStreams(container.store)

    rows = fresh.recorder.stream_rows({usage_id: 0}, fresh._snapshots_table)
    folded = fresh.prefetch([usage_id])[usage_id]

    assert rows[0][2].endswith(":Snapshot")
    assert rows[0][1] >= INTERVAL
    assert len(rows) < INTERVAL
    replayed = None
    for event in container.store.events.get(usage_id):
        replayed = event.mutate(replayed)  # type: ignore[attr-defined]
    assert folded == replayed
    assert folded.version == 2 * (INTERVAL // 2 + 10) + 1


def test_streams_without_snapshots_are_read_whole_beside_those_with_one(
    container: Container,
) -> None:
    account = unique_account()
    package = container.commands.run(
        CreatePackage(unique_name(), (function_spec(),)), context(account)
    ).value
    fresh = StoredStreams(container.store)

    found = fresh.prefetch([package.id, AccountUsage.id_for(account)])

    assert found[package.id].version == package.version
    assert found[AccountUsage.id_for(account)].packages == 1
