"""The KV store's read model on real stores: what reads see, in key order; entries past their
time left out at once and purged later, with rebuild and verify agreeing; a removed keyset's
entries gone."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from commands.context import CommandContext
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from commands.handlers.kv import ChangeCounter, DeleteKvValue, WriteKvValue
from commands.kv import COUNTER, JSON, STRING, KvPlace
from projections.kv import kv_entries, kv_entry, now_text, purge_expired, successor
from projections.rebuild import rebuild, verify
from service.bootstrap import Container
from tests.support.commands import context

DAY = 86_400


def registered(container: Container, caller: CommandContext) -> KvPlace:
    """A new keyset of the caller's account; the place of its counter ``hits``."""
    keyset = random.randint(1, 2**62)
    registration = container.commands.run(AddKeyset(keyset, f"sub-c-{keyset}"), caller).value
    return KvPlace(keyset, registration.keyset.registration_id, COUNTER, "hits")


def at(place: KvPlace, kind: str, key: str) -> KvPlace:
    return KvPlace(place.keyset_id, place.registration_id, kind, key)


def run(container: Container, command: Any, caller: CommandContext) -> Any:
    return container.commands.run(command, caller).value


def listed(container: Container, place: KvPlace, kind: str, **options: Any) -> list[str]:
    query = {"prefix": "", "after": None, "limit": 100, "now": now_text(), **options}
    rows = kv_entries(container.database, place.registration_id, kind, **query)
    return [row.key for row in rows]


def test_reads_see_each_kind_apart_in_key_order_with_json_text_values(
    container: Container,
) -> None:
    caller = context()
    hits = registered(container, caller)
    for key in ("b", "a", "é", "ab", "A"):
        run(container, WriteKvValue(at(hits, STRING, key), f"value of {key}", DAY), caller)
    run(container, WriteKvValue(at(hits, JSON, "a"), {"n": [1, None]}, DAY), caller)
    run(container, ChangeCounter(hits, 41), caller)
    run(container, ChangeCounter(hits, 1), caller)

    container.projector.catch_up()

    assert listed(container, hits, STRING) == ["A", "a", "ab", "b", "é"]
    assert listed(container, hits, STRING, prefix="a") == ["a", "ab"]
    assert listed(container, hits, STRING, after="a", limit=2) == ["ab", "b"]
    counter = kv_entry(container.database, hits.stream_id, now_text())
    assert counter is not None
    assert (counter.key, counter.value, counter.expires_dttm) == ("hits", "42", None)
    entry = kv_entry(container.database, at(hits, JSON, "a").stream_id, now_text())
    assert entry is not None
    assert entry.value == '{"n":[1,null]}'
    assert entry.expires_dttm is not None


def test_long_keys_are_ordered_whole_beyond_the_indexed_head(container: Container) -> None:
    caller = context()
    hits = registered(container, caller)
    shared = "界" * 300  # 900 bytes of UTF-8: past the indexed head of 200 characters
    keys = [shared + tail for tail in ("b", "a", "c")] + ["z" * 1000]
    for key in keys:
        run(container, ChangeCounter(at(hits, COUNTER, key), 1), caller)

    container.projector.catch_up()

    assert listed(container, hits, COUNTER) == sorted(keys)
    assert listed(container, hits, COUNTER, prefix=shared + "b") == [shared + "b"]
    assert listed(container, hits, COUNTER, after=shared + "a", limit=1) == [shared + "b"]


def test_an_entry_past_its_time_is_gone_for_reads_at_once_and_purged_later_with_verify_agreeing(
    container: Container,
) -> None:
    caller = context()
    hits = registered(container, caller)
    yesterday = CommandContext(
        caller.account_id, "test", "old", caller.requested_at - timedelta(days=1)
    )
    run(container, WriteKvValue(at(hits, STRING, "old"), "x", 20), yesterday)
    run(container, WriteKvValue(at(hits, STRING, "new"), "y", DAY), caller)
    run(container, ChangeCounter(hits, 1), caller)
    container.projector.catch_up()
    assert listed(container, hits, STRING) == ["new"]
    assert kv_entry(container.database, at(hits, STRING, "old").stream_id, now_text()) is None

    assert purge_expired(container.database) >= 1

    assert verify(container.projector) == []
    run(container, WriteKvValue(at(hits, STRING, "old"), "again", DAY), caller)
    container.projector.catch_up()
    assert listed(container, hits, STRING) == ["new", "old"]
    assert verify(container.projector) == []
    rebuild(container.projector)
    assert listed(container, hits, STRING) == ["new", "old"]


def test_deleted_entries_and_a_removed_keysets_entries_are_gone(container: Container) -> None:
    caller = context()
    hits = registered(container, caller)
    run(container, WriteKvValue(at(hits, STRING, "kept"), "x", DAY), caller)
    run(container, WriteKvValue(at(hits, STRING, "deleted"), "y", DAY), caller)
    run(container, DeleteKvValue(at(hits, STRING, "deleted")), caller)
    run(container, ChangeCounter(hits, 5), caller)
    container.projector.catch_up()
    assert listed(container, hits, STRING) == ["kept"]

    run(container, RemoveKeyset(hits.keyset_id), caller)
    container.projector.catch_up()

    assert listed(container, hits, STRING) == []
    assert kv_entry(container.database, hits.stream_id, now_text()) is None
    assert verify(container.projector) == []


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("ab", "ac"), ("a\U0010ffff", "b"), ("\U0010ffff", None), ("\ud7ff", "\ue000"), ("", None)],
)
def test_the_successor_of_a_prefix_bounds_every_text_that_starts_with_it(
    prefix: str, expected: str | None
) -> None:
    assert successor(prefix) == expected
