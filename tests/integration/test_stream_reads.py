"""A batch reads a stream it has not kept from the stream's latest snapshot on: a stream that
grows for good (an account's usage, a counter) costs a snapshot and the events after it."""

from __future__ import annotations

from uuid import UUID, uuid4

import psycopg
from psycopg.sql import SQL

from commands.handlers.packages import CreatePackage, DeletePackage
from commands.kv import COUNTER, KvCounter, KvPlace
from commands.persistence.postgres import ServicePostgresRecorder
from commands.streams import StoredStreams
from commands.usage import AccountUsage
from service.bootstrap import Container, bootstrap
from service.settings import Settings
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


def test_a_batchs_read_looks_each_stream_up_by_the_index_in_a_large_log(
    postgres_database: str,
) -> None:
    """PostgreSQL pulls a LATERAL subquery up into a join when it may, and then planned a
    hash join over a scan of the whole log for a batch's streams when they were long."""
    container = bootstrap(Settings(database_url=postgres_database))
    try:
        counters = long_counters(container, streams=40, changes=500)
        recorder = container.store.recorder
        assert isinstance(recorder, ServicePostgresRecorder)
        with psycopg.connect(postgres_database, autocommit=True) as connection:
            connection.execute(f"ANALYZE {recorder.events_table_name}")
            for after in (dict.fromkeys(counters, 490), dict.fromkeys(counters, 0)):
                statement, params = recorder.stream_rows_statement(after, "packages_snapshots")
                plan = connection.execute(SQL("EXPLAIN ") + statement, params).fetchall()
                lines = "\n".join(row[0] for row in plan)
                assert f"Seq Scan on {recorder.events_table_name}" not in lines, lines
    finally:
        container.close()


def long_counters(container: Container, streams: int, changes: int) -> list[UUID]:
    """Counters with ``changes`` events each, saved in bulk."""
    caller = context()
    places = [KvPlace(1, str(uuid4()), COUNTER, "c") for _ in range(streams)]
    for place in places:
        counter = KvCounter.change(None, place, 1, caller)
        for _ in range(changes - 1):
            KvCounter.change(counter, place, 1, caller)
        container.store.events.put(counter.collect_events())
    return [place.stream_id for place in places]
