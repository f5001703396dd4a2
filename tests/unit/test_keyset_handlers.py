"""Keysets decided in memory: registration, uniqueness of keyset ids and subscribe keys, and
removal, refused while a deployment of the account runs on the keyset."""

from __future__ import annotations

from uuid import UUID

import pytest

from commands.errors import KeysetInUseError, KeysetNotFoundError, KeysetTakenError
from commands.handlers.deployments import (
    CreateDeployment,
    StartDeployment,
    StopDeployment,
    StopDeployments,
)
from commands.handlers.keysets import AddKeyset, RemoveKeyset
from commands.handlers.packages import CreatePackage
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from commands.usage import AccountUsage
from tests.support.handlers import decide, memory, topics


def deployment_on(uow: InMemoryUnitOfWork, keyset: int, name: str = "p") -> UUID:
    function = FunctionSpec("fn", "ON_REQUEST", "x", 0, {"path": "p"})
    package = decide(uow, CreatePackage(name, (function,)))
    (revision_id,) = package.revisions
    return UUID(decide(uow, CreateDeployment(UUID(revision_id), keyset)).deployment_ids[0])


def usage(uow: InMemoryUnitOfWork) -> AccountUsage:
    found = uow.get(AccountUsage, AccountUsage.id_for(uow.context.account_id))
    assert found is not None
    return found


def test_adding_a_keyset_records_it_and_claims_its_subscribe_key() -> None:
    uow = memory()

    registration = decide(uow, AddKeyset(42, "sub-c-one"))

    assert topics(uow.events) == ["KeysetAdded", "SubscribeKeyClaimed"]
    assert registration.keyset.is_registered(uow.context.account_id)
    assert len(bytes.fromhex(uow.events[0].token_key)) == 32


def test_adding_the_same_keyset_again_changes_nothing() -> None:
    uow = memory()
    decide(uow, AddKeyset(42, "sub-c-one"))
    before = len(uow.events)

    again = decide(uow, AddKeyset(42, "sub-c-one"))

    assert again.already
    assert len(uow.events) == before


def test_a_keyset_of_another_account_or_with_another_subscribe_key_is_refused() -> None:
    uow = memory(account_id=7)
    decide(uow, AddKeyset(42, "sub-c-one"))
    other = InMemoryUnitOfWork(memory(account_id=8).context, *uow.aggregates.values())

    with pytest.raises(KeysetTakenError, match="account 7"):
        decide(other, AddKeyset(42, "sub-c-two"))
    with pytest.raises(KeysetTakenError):
        decide(uow, AddKeyset(42, "sub-c-two"))
    with pytest.raises(KeysetTakenError, match="keyset 42"):
        decide(other, AddKeyset(43, "sub-c-one"))


def test_a_removed_keyset_frees_its_id_and_subscribe_key_and_gets_a_new_registration() -> None:
    uow = memory()
    first = decide(uow, AddKeyset(42, "sub-c-one")).keyset.registration_id

    decide(uow, RemoveKeyset(42))
    again = decide(uow, AddKeyset(42, "sub-c-one"))
    decide(uow, AddKeyset(43, "sub-c-two"))

    assert topics(uow.events)[2:6] == [
        "KeysetRemoved",
        "SubscribeKeyReleased",
        "KeysetAddedAgain",
        "SubscribeKeyReclaimed",
    ]
    assert again.keyset.registration_id != first


def test_removing_an_unknown_removed_or_another_accounts_keyset_is_refused() -> None:
    uow = memory(account_id=7)
    decide(uow, AddKeyset(42, "sub-c-one"))
    other = InMemoryUnitOfWork(memory(account_id=8).context, *uow.aggregates.values())

    with pytest.raises(KeysetNotFoundError):
        decide(other, RemoveKeyset(42))
    with pytest.raises(KeysetNotFoundError):
        decide(uow, RemoveKeyset(41))
    decide(uow, RemoveKeyset(42))
    with pytest.raises(KeysetNotFoundError):
        decide(uow, RemoveKeyset(42))


def test_a_keyset_with_a_running_deployment_is_not_removed_until_it_stops() -> None:
    uow = memory()
    decide(uow, AddKeyset(42, "sub-c-one"))
    on_42 = deployment_on(uow, 42, "a")
    elsewhere = deployment_on(uow, 43, "b")
    decide(uow, StartDeployment(on_42))
    decide(uow, StartDeployment(elsewhere))

    with pytest.raises(KeysetInUseError, match="1 running"):
        decide(uow, RemoveKeyset(42))
    decide(uow, StopDeployment(on_42))
    decide(uow, RemoveKeyset(42))


def test_running_deployments_are_counted_by_keyset_through_starts_restarts_and_bulk_stops() -> None:
    uow = memory()
    first, second = deployment_on(uow, 5, "a"), deployment_on(uow, 6, "b")
    decide(uow, StartDeployment(first))
    decide(uow, StartDeployment(first))  # a restart counts nothing twice
    decide(uow, StartDeployment(second))
    assert (usage(uow).running_on(5), usage(uow).running_on(6)) == (1, 1)

    decide(uow, StopDeployments(package_id=uow.events[0].originator_id))

    assert (usage(uow).running_on(5), usage(uow).running_on(6), usage(uow).running) == (0, 1, 1)
    assert usage(uow).counts_every_keyset()


def test_deployments_started_before_keysets_were_counted_keep_a_removal_refused() -> None:
    uow = memory()
    decide(uow, AddKeyset(42, "sub-c-one"))
    deployment = deployment_on(uow, 42)
    decide(uow, StartDeployment(deployment))
    legacy = usage(uow)
    legacy.change(uow.context, running=1)  # as an earlier release counted: no keyset
    uow.aggregates[legacy.id] = legacy
    legacy.collect_events()
    decide(uow, StopDeployment(deployment))

    with pytest.raises(KeysetInUseError, match="before running deployments were counted"):
        decide(uow, RemoveKeyset(42))
