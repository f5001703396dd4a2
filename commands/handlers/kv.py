"""The KV store: write or delete a string or JSON value, write, change or delete a counter.

Every command names the keyset registration its caller resolved from the subscribe key, and
is refused (``KeysetNotFoundError``) unless that registration is still the account's when it
is decided: a keyset removed meanwhile takes no more writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from commands.command import Command
from commands.context import CommandContext
from commands.errors import KeysetNotFoundError
from commands.keysets import Keyset
from commands.kv import COUNTER, KvCounter, KvEntry, KvPlace
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class KvValue:
    """An entry as a command left it (``expires_at``: ``None`` for a counter)."""

    key: str
    value: Any
    expires_at: str | None = None


@dataclass(frozen=True, slots=True)
class WriteKvValue(Command[KvValue]):
    """Write a string or JSON value, expiring ``ttl_seconds`` after the request."""

    place: KvPlace
    value: Any
    ttl_seconds: int


def write_kv_value(command: WriteKvValue, uow: UnitOfWork) -> KvValue:
    place = command.place
    _check_registered(uow, place)
    entry = uow.get(KvEntry, place.stream_id, owner=uow.context.account_id)
    entry = KvEntry.write(entry, place, command.value, command.ttl_seconds, uow.context)
    uow.stage(entry)
    return KvValue(place.key, command.value, entry.expires_at)


@dataclass(frozen=True, slots=True)
class DeleteKvValue(Command[None]):
    """Delete an entry of any kind; deleting one that holds no value changes nothing."""

    place: KvPlace


def delete_kv_value(command: DeleteKvValue, uow: UnitOfWork) -> None:
    place, context = command.place, uow.context
    _check_registered(uow, place)
    found: KvEntry | KvCounter | None
    if place.kind == COUNTER:
        found = uow.get(KvCounter, place.stream_id, owner=context.account_id)
    else:
        found = uow.get(KvEntry, place.stream_id, owner=context.account_id)
    if found is not None and found.delete(place, context):
        uow.stage(found)


@dataclass(frozen=True, slots=True)
class SetCounter(Command[KvValue]):
    place: KvPlace
    value: int


def set_counter(command: SetCounter, uow: UnitOfWork) -> KvValue:
    place = command.place
    counter = KvCounter.set(_counter(uow, place), place, command.value, uow.context)
    uow.stage(counter)
    return KvValue(place.key, counter.value)


@dataclass(frozen=True, slots=True)
class ChangeCounter(Command[KvValue]):
    """Add ``delta`` (negative for a decrement) to a counter; a missing one starts at 0."""

    place: KvPlace
    delta: int


def change_counter(command: ChangeCounter, uow: UnitOfWork) -> KvValue:
    place = command.place
    counter = KvCounter.change(_counter(uow, place), place, command.delta, uow.context)
    uow.stage(counter)
    return KvValue(place.key, counter.value)


def kv_reads(
    command: WriteKvValue | DeleteKvValue | SetCounter | ChangeCounter, context: CommandContext
) -> tuple[UUID, ...]:
    return (Keyset.id_for(command.place.keyset_id), command.place.stream_id)


def _counter(uow: UnitOfWork, place: KvPlace) -> KvCounter | None:
    """The counter at ``place`` (``None``: never written), once the keyset is checked."""
    _check_registered(uow, place)
    return uow.get(KvCounter, place.stream_id, owner=uow.context.account_id)


def _check_registered(uow: UnitOfWork, place: KvPlace) -> None:
    account_id = uow.context.account_id
    keyset = uow.get(Keyset, Keyset.id_for(place.keyset_id), owner=account_id)
    if keyset is None or not keyset.is_registered(account_id, place.registration_id):
        raise KeysetNotFoundError
