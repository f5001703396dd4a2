"""The KV store's commands decided in memory: what each records, expiry, the counters'
range, and the keyset checked at every write."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commands.errors import CounterOutOfRangeError, KeysetNotFoundError
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from commands.handlers.kv import ChangeCounter, DeleteKvValue, SetCounter, WriteKvValue
from commands.kv import COUNTER, JSON, MAX_COUNTER, MIN_COUNTER, STRING, KvPlace
from commands.memory import InMemoryUnitOfWork
from tests.support.handlers import REQUEST_TIME, decide, memory, topics


def registered(uow: InMemoryUnitOfWork, keyset: int = 42) -> str:
    return decide(uow, AddKeyset(keyset, f"sub-c-{keyset}")).keyset.registration_id


def place(registration: str, kind: str = COUNTER, key: str = "hits", keyset: int = 42) -> KvPlace:
    return KvPlace(keyset, registration, kind, key)


def test_increments_record_the_delta_and_the_value_after_each() -> None:
    uow = memory()
    hits = place(registered(uow))

    values = [decide(uow, ChangeCounter(hits, delta)).value for delta in (1, 1, 5, -2)]

    assert values == [1, 2, 7, 5]
    changes = [(e.delta, e.value) for e in uow.events if "Counter" in type(e).__name__]
    assert changes == [(1, 1), (1, 2), (5, 7), (-2, 5)]
    assert topics(uow.events)[2:4] == ["KvCounterCreated", "KvCounterChanged"]


def test_a_counter_write_records_the_difference_and_a_deleted_counter_starts_again_at_0() -> None:
    uow = memory()
    hits = place(registered(uow))
    decide(uow, ChangeCounter(hits, 3))

    assert decide(uow, SetCounter(hits, 10)).value == 10
    decide(uow, DeleteKvValue(hits))
    assert decide(uow, ChangeCounter(hits, 1)).value == 1
    assert [getattr(e, "delta", None) for e in uow.events[-3:]] == [7, None, 1]


@pytest.mark.parametrize(("start", "delta"), [(MAX_COUNTER, 1), (MIN_COUNTER, -1), (0, 2**64)])
def test_a_change_past_the_64_bit_range_is_refused_and_records_nothing(
    start: int, delta: int
) -> None:
    uow = memory()
    hits = place(registered(uow))
    decide(uow, SetCounter(hits, start))
    before = len(uow.events)

    with pytest.raises(CounterOutOfRangeError):
        decide(uow, ChangeCounter(hits, delta))
    assert len(uow.events) == before


def test_a_value_is_written_with_its_expiry_and_rewritten_under_the_same_stream() -> None:
    uow = memory()
    entry = place(registered(uow), JSON, "config")

    first = decide(uow, WriteKvValue(entry, {"a": [1, 2]}, 20))
    decide(uow, WriteKvValue(entry, "x", 86_400))

    assert first.expires_at == "2026-01-15T10:30:20.000Z"
    assert topics(uow.events)[2:] == ["KvEntryCreated", "KvValueSet"]
    assert {e.originator_id for e in uow.events[2:]} == {entry.stream_id}
    assert uow.events[-1].value == "x"


def test_deleting_a_missing_deleted_or_expired_entry_records_nothing() -> None:
    uow = memory()
    registration = registered(uow)
    entry = place(registration, STRING, "greeting")
    decide(uow, DeleteKvValue(entry))
    decide(uow, DeleteKvValue(place(registration)))
    decide(uow, WriteKvValue(entry, "hi", 20))
    decide(uow, DeleteKvValue(entry))
    decide(uow, DeleteKvValue(entry))
    assert topics(uow.events)[2:] == ["KvEntryCreated", "KvEntryDeleted"]

    decide(uow, WriteKvValue(entry, "hi", 20))
    later = memory(at=REQUEST_TIME + timedelta(seconds=20))
    expired = InMemoryUnitOfWork(later.context, *uow.aggregates.values())
    decide(expired, DeleteKvValue(entry))
    assert expired.events == []


def test_each_kind_key_and_registration_is_a_stream_of_its_own() -> None:
    registrations = ("5d1c2b7e-8a34-4f0e-9c61-2f3e4d5a6b7c", "7c6b5a49-3827-4160-9f8e-7d6c5b4a3928")
    ids = {
        place(registration, kind, key).stream_id
        for kind in (STRING, JSON, COUNTER)
        for key in ("a", "b")
        for registration in registrations
    }
    assert len(ids) == 12


def test_writes_to_a_removed_keyset_or_an_older_registration_are_refused() -> None:
    uow = memory()
    old = registered(uow)
    decide(uow, RemoveKeyset(42))

    with pytest.raises(KeysetNotFoundError):
        decide(uow, ChangeCounter(place(old), 1))
    new = registered(uow)
    with pytest.raises(KeysetNotFoundError):
        decide(uow, WriteKvValue(place(old, STRING), "x", 20))
    assert decide(uow, ChangeCounter(place(new), 1)).value == 1


def test_another_accounts_keyset_is_refused_as_an_unknown_one() -> None:
    uow = memory(account_id=7)
    registration = registered(uow)
    other = InMemoryUnitOfWork(memory(account_id=8).context, *uow.aggregates.values())

    with pytest.raises(KeysetNotFoundError):
        decide(other, ChangeCounter(place(registration), 1))
    with pytest.raises(KeysetNotFoundError):
        decide(other, DeleteKvValue(place(registration, STRING)))
