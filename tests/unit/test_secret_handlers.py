"""Secrets' commands decided in memory: events hold ciphertext only, data keys go to the side
table as side writes of the same command, a new value or a delete destroys the old key."""

from __future__ import annotations

import pytest

from commands.errors import KeysetNotFoundError, SecretNotFoundError, SecretsUnavailableError
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from commands.handlers.secrets import (
    DeleteSecret,
    RevealSecret,
    SecretKey,
    SetSecret,
    set_secret,
    stage_secret,
)
from commands.memory import InMemoryUnitOfWork
from commands.persistence.secret_keys import DropDataKey, PutDataKey
from commands.vault import SealedError, SecretPlace, open_value
from tests.support.handlers import TEST_VAULT, decide, memory, topics

MARKER = "marker-7f3a9c-never-stored-plain"


def registered(uow: InMemoryUnitOfWork, keyset: int = 42) -> SecretKey:
    registration = decide(uow, AddKeyset(keyset, f"sub-c-{keyset}")).keyset.registration_id
    return SecretKey(keyset, registration, "API_KEY")


def data_keys(uow: InMemoryUnitOfWork) -> dict[str, bytes]:
    """The side table as the side writes kept so far leave it."""
    kept: dict[str, bytes] = {}
    for write in uow.side_writes:
        if isinstance(write, PutDataKey):
            kept[write.value_id] = write.wrapped
        else:
            kept.pop(write.value_id)
    return kept


def test_a_secret_is_recorded_as_ciphertext_with_its_wrapped_data_key_as_a_side_write() -> None:
    uow = memory()
    secret = registered(uow)

    entry = decide(uow, SetSecret(secret, MARKER))

    event = uow.events[-1]
    assert topics(uow.events)[-1] == "SecretCreated"
    assert MARKER not in repr(vars(event))
    assert MARKER not in repr(SetSecret(secret, MARKER))
    assert entry.key == "API_KEY"
    assert entry.created_at == entry.updated_at
    [write] = uow.side_writes
    assert isinstance(write, PutDataKey)
    assert write.value_id == event.value_id
    data_key = TEST_VAULT.unwrap(write.value_id, write.wrapped)
    place = SecretPlace(uow.context.account_id, 42, "API_KEY")
    assert open_value(place, event.value_id, event.nonce, event.ciphertext, data_key) == MARKER


def test_a_ciphertext_moved_to_another_secret_does_not_open() -> None:
    uow = memory()
    decide(uow, SetSecret(registered(uow), MARKER))
    event, write = uow.events[-1], uow.side_writes[-1]
    data_key = TEST_VAULT.unwrap(write.value_id, write.wrapped)

    for place in (
        SecretPlace(uow.context.account_id, 42, "OTHER_KEY"),
        SecretPlace(uow.context.account_id + 1, 42, "API_KEY"),
        SecretPlace(uow.context.account_id, 43, "API_KEY"),
    ):
        with pytest.raises(SealedError):
            open_value(place, event.value_id, event.nonce, event.ciphertext, data_key)


def test_a_new_value_destroys_the_old_values_data_key_and_keeps_the_creation_time() -> None:
    uow = memory()
    secret = registered(uow)
    first = decide(uow, SetSecret(secret, "one"))
    old_value = uow.events[-1].value_id

    second = decide(uow, SetSecret(secret, "two"))

    assert topics(uow.events)[-1] == "SecretSet"
    assert second.created_at == first.created_at
    assert isinstance(uow.side_writes[-2], DropDataKey)
    assert uow.side_writes[-2].value_id == old_value
    assert list(data_keys(uow)) == [uow.events[-1].value_id]


def test_a_delete_destroys_the_data_key_and_a_second_delete_changes_nothing() -> None:
    uow = memory()
    secret = registered(uow)
    decide(uow, SetSecret(secret, MARKER))

    decide(uow, DeleteSecret(secret))
    decide(uow, DeleteSecret(secret))

    assert topics(uow.events)[-2:] == ["SecretCreated", "SecretDeleted"]
    assert data_keys(uow) == {}
    with pytest.raises(SecretNotFoundError):
        decide(uow, RevealSecret(secret))


def test_a_reveal_is_recorded_without_the_value() -> None:
    uow = memory()
    secret = registered(uow)
    decide(uow, SetSecret(secret, MARKER))

    revealed = decide(uow, RevealSecret(secret))

    assert topics(uow.events)[-1] == "SecretRevealed"
    assert uow.events[-1].value_id == revealed.value_id
    assert MARKER not in repr(vars(uow.events[-1]))


def test_a_removed_keyset_takes_no_secret() -> None:
    uow = memory()
    secret = registered(uow)
    decide(uow, RemoveKeyset(42))

    with pytest.raises(KeysetNotFoundError):
        decide(uow, SetSecret(secret, MARKER))
    assert uow.side_writes == []


def test_stage_secret_works_in_any_unit_of_work_and_refuses_without_a_master_key() -> None:
    uow = memory()
    registered(uow, keyset=7)

    def both(command: object, inner: InMemoryUnitOfWork) -> None:
        for key in ("A", "B"):
            stage_secret(
                inner,
                vault=TEST_VAULT,
                account=inner.context.account_id,
                keyset_id=7,
                key=key,
                value=MARKER,
            )

    uow.run(both, None)

    assert topics(uow.events)[-2:] == ["SecretCreated", "SecretCreated"]
    assert len(data_keys(uow)) == 2
    with pytest.raises(SecretsUnavailableError):
        uow.run(
            lambda command, inner: set_secret(command, inner, vault=None),
            SetSecret(registered(uow, keyset=8), MARKER),
        )
