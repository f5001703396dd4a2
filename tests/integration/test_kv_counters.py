"""Counters on real stores: increments of one hot counter share a transaction, each decided
on the counter as the increments before it in the batch left it; a counter's long stream is
read from its latest snapshot; expired entries are purged by the projecting process."""

from __future__ import annotations

import random

from commands.context import CommandContext
from commands.handlers.kv import ChangeCounter, WriteKvValue
from commands.kv import COUNTER, STRING, KvPlace
from commands.streams import StoredStreams
from service.bootstrap import Container
from tests.integration.test_group_commit import counting_batches, one_batch
from tests.support.commands import context
from tests.support.kv import register_keyset
from tests.support.waiting import wait_until

SNAPSHOT_INTERVAL = 1000  # KvCounter's


def hot_counter(container: Container, caller: CommandContext) -> KvPlace:
    keyset = register_keyset(container, caller.account_id)
    return KvPlace(keyset.keyset_id, keyset.registration_id, COUNTER, f"hot-{random.random()}")


def test_increments_waiting_together_are_decided_in_turn_and_committed_in_one_transaction(
    container: Container,
) -> None:
    caller = context()
    hot = hot_counter(container, caller)
    batches = counting_batches(container)

    with one_batch(container.commands, 50):
        answers = [container.commands.submit(ChangeCounter(hot, 1), caller) for _ in range(50)]

    values = [answer.result(30).value.value for answer in answers]
    assert values == list(range(1, 51))
    assert batches == [50]


def test_a_long_counter_stream_is_read_from_its_latest_snapshot(container: Container) -> None:
    caller = context()
    hot = hot_counter(container, caller)
    increments = SNAPSHOT_INTERVAL + 300
    answers = [container.commands.submit(ChangeCounter(hot, 1), caller) for _ in range(increments)]
    assert max(answer.result(60).value.value for answer in answers) == increments
    fresh = StoredStreams(container.store)

    rows = fresh.recorder.stream_rows({hot.stream_id: 0}, fresh._snapshots_table)
    counter = fresh.prefetch([hot.stream_id])[hot.stream_id]

    assert rows[0][2].endswith(":Snapshot")
    assert len(rows) <= increments - SNAPSHOT_INTERVAL + 1
    assert (counter.value, counter.version) == (increments, increments)


def test_the_projecting_process_purges_entries_past_their_time(container: Container) -> None:
    caller = context()
    keyset = register_keyset(container, caller.account_id)
    place = KvPlace(keyset.keyset_id, keyset.registration_id, STRING, "brief")
    long_ago = CommandContext(
        caller.account_id, "test", "old", caller.requested_at.replace(year=2020)
    )
    container.commands.run(WriteKvValue(place, "gone", 20), long_ago)
    statement = container.database.sql("SELECT count(*) FROM rm_kv_entries WHERE entry_id = ?")

    def rows() -> int:
        return int(container.database.query(statement, (str(place.stream_id),))[0][0])

    container.projector.catch_up()
    assert rows() == 1
    container.runner.start()
    try:
        assert wait_until(lambda: rows() == 0, seconds=10)
    finally:
        container.runner.stop()
