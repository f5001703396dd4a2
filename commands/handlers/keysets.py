"""Keysets (from the command line): register one for an account with its subscribe key,
remove one. The command's account is the keyset's: its removal is decided under that
account's write lock, as every start and stop of its deployments is."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.command import Command
from commands.context import CommandContext
from commands.errors import KeysetInUseError, KeysetNotFoundError, KeysetTakenError
from commands.handlers.lookups import usage_id
from commands.keysets import Keyset, SubscribeKey
from commands.unit_of_work import UnitOfWork
from commands.usage import AccountUsage


@dataclass(frozen=True, slots=True)
class KeysetRegistration:
    keyset: Keyset
    # Registered already, for the same account with the same subscribe key: nothing changed.
    already: bool = False


@dataclass(frozen=True, slots=True)
class AddKeyset(Command[KeysetRegistration]):
    """Register a keyset for the context's account, with its subscribe key."""

    keyset_id: int
    subscribe_key: str


def add_keyset_reads(command: AddKeyset, context: CommandContext) -> tuple[UUID, ...]:
    return (Keyset.id_for(command.keyset_id), SubscribeKey.id_for(command.subscribe_key))


def add_keyset(command: AddKeyset, uow: UnitOfWork) -> KeysetRegistration:
    context = uow.context
    keyset = uow.get(Keyset, Keyset.id_for(command.keyset_id))
    if keyset is not None and not keyset.removed:
        if keyset.is_registered(context.account_id) and (
            keyset.subscribe_key == command.subscribe_key
        ):
            return KeysetRegistration(keyset, already=True)
        raise KeysetTakenError(
            f"keyset {command.keyset_id} is registered already, for account "
            f"{keyset.account_id} with subscribe key {keyset.subscribe_key}"
        )
    claim = uow.get(SubscribeKey, SubscribeKey.id_for(command.subscribe_key))
    if claim is not None and claim.keyset_id is not None:
        raise KeysetTakenError(
            f"subscribe key {command.subscribe_key} belongs to keyset {claim.keyset_id} "
            f"(account {claim.account_id}) already"
        )
    keyset = Keyset.add(keyset, command.keyset_id, command.subscribe_key, context)
    claim = SubscribeKey.claim(claim, command.subscribe_key, command.keyset_id, context)
    uow.stage(keyset, claim)
    return KeysetRegistration(keyset)


@dataclass(frozen=True, slots=True)
class RemoveKeyset(Command[Keyset]):
    """End a keyset's registration (with its KV entries), freeing its id and subscribe key;
    refused while a deployment of the account runs on it."""

    keyset_id: int


def remove_keyset_reads(command: RemoveKeyset, context: CommandContext) -> tuple[UUID, ...]:
    return (Keyset.id_for(command.keyset_id), usage_id(context.account_id))


def remove_keyset(command: RemoveKeyset, uow: UnitOfWork) -> Keyset:
    context = uow.context
    keyset = uow.get(Keyset, Keyset.id_for(command.keyset_id), owner=context.account_id)
    if keyset is None or not keyset.is_registered(context.account_id):
        raise KeysetNotFoundError
    usage = uow.get(AccountUsage, usage_id(context.account_id))
    if usage is not None and usage.running_on(command.keyset_id):
        raise KeysetInUseError(
            f"keyset {command.keyset_id} has {usage.running_on(command.keyset_id)} running "
            "deployments: stop them first"
        )
    if usage is not None and not usage.counts_every_keyset():
        raise KeysetInUseError(
            f"account {context.account_id} has running deployments started before running "
            "deployments were counted by keyset; any of them may run on this keyset: stop "
            "them (they may be started again at once) first"
        )
    keyset.remove(context)
    claim = uow.get(SubscribeKey, SubscribeKey.id_for(keyset.subscribe_key))
    if claim is not None and claim.keyset_id == command.keyset_id:
        claim.release(context)
    uow.stage(keyset, claim)
    return keyset
