"""Secrets: set or delete a keyset's secret, and record an operator's reveal of one.

``stage_secret`` stores a value inside any unit of work: the value is encrypted under a new
data key of its own, the event records the ciphertext, and the data key, wrapped under the
master key, is a side write of the same transaction; the replaced value's data key is
destroyed in it (crypto-shredding). ``SetSecret`` uses it, and so may any command that stores
secrets with other changes (all or nothing, in its own transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.command import Command
from commands.context import CommandContext
from commands.errors import KeysetNotFoundError, SecretNotFoundError, SecretsUnavailableError
from commands.keysets import Keyset
from commands.kv import timestamp_text
from commands.persistence.secret_keys import DropDataKey, PutDataKey
from commands.secrets import Secret, secret_id
from commands.unit_of_work import UnitOfWork
from commands.vault import SecretPlace, Vault, seal_value


@dataclass(frozen=True, slots=True)
class SecretEntry:
    """A secret as a command left it: its key and times (ISO-8601 UTC, milliseconds)."""

    key: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class SecretKey:
    """A secret's key in one registration of a keyset (the one its caller resolved)."""

    keyset_id: int
    registration_id: str
    key: str

    @property
    def stream_id(self) -> UUID:
        return secret_id(self.registration_id, self.key)


def stage_secret(
    uow: UnitOfWork, *, vault: Vault | None, account: int, keyset_id: int, key: str, value: str
) -> SecretEntry:
    """Store ``value`` as the secret ``key`` of keyset ``keyset_id`` (which must be
    registered for ``account``) with the rest of ``uow``'s command.

    The event holds only ciphertext; the value's data key, wrapped under ``vault``'s master
    key, is written to the side table in the transaction of the command's events, and the
    data key of the value it replaces is deleted there. Raises ``KeysetNotFoundError`` (not
    the account's keyset) or ``SecretsUnavailableError`` (no master key)."""
    if vault is None:
        raise SecretsUnavailableError
    keyset = uow.get(Keyset, Keyset.id_for(keyset_id), owner=account)
    if keyset is None or not keyset.is_registered(account):
        raise KeysetNotFoundError
    registration_id = keyset.registration_id
    existing = uow.get(Secret, secret_id(registration_id, key), owner=account)
    replaced = existing.value_id if existing is not None and not existing.deleted else None
    sealed = seal_value(SecretPlace(account, keyset_id, key), value)
    secret = Secret.write(existing, keyset_id, registration_id, key, sealed, uow.context)
    uow.stage(secret)
    if replaced is not None:
        uow.stage_side_write(DropDataKey(replaced))
    uow.stage_side_write(PutDataKey(sealed.value_id, vault.wrap(sealed.value_id, sealed.data_key)))
    return SecretEntry(key, secret.created_at, timestamp_text(uow.context.requested_at))


@dataclass(frozen=True, slots=True)
class SetSecret(Command[SecretEntry]):
    """Set a secret's value (``value`` never leaves the command: only its ciphertext is
    stored)."""

    secret: SecretKey
    value: str

    def __repr__(self) -> str:
        return f"SetSecret(secret={self.secret!r}, value=<hidden>)"


def set_secret(command: SetSecret, uow: UnitOfWork, *, vault: Vault | None) -> SecretEntry:
    place = command.secret
    _check_registered(uow, place)
    return stage_secret(
        uow,
        vault=vault,
        account=uow.context.account_id,
        keyset_id=place.keyset_id,
        key=place.key,
        value=command.value,
    )


@dataclass(frozen=True, slots=True)
class DeleteSecret(Command[None]):
    """Delete a secret and destroy its value's data key; one that holds no value: nothing."""

    secret: SecretKey


def delete_secret(command: DeleteSecret, uow: UnitOfWork) -> None:
    _check_registered(uow, command.secret)
    found = uow.get(Secret, command.secret.stream_id, owner=uow.context.account_id)
    if found is not None and found.delete(uow.context):
        uow.stage(found)
        uow.stage_side_write(DropDataKey(found.value_id))


@dataclass(frozen=True, slots=True)
class RevealedSecret:
    """What opens a secret's current value: its ciphertext and the id of its data key."""

    place: SecretPlace
    value_id: str
    nonce: str
    ciphertext: str


@dataclass(frozen=True, slots=True)
class RevealSecret(Command[RevealedSecret]):
    """Record that an operator reads a secret's value (the reading is the caller's)."""

    secret: SecretKey


def reveal_secret(command: RevealSecret, uow: UnitOfWork) -> RevealedSecret:
    _check_registered(uow, command.secret)
    found = uow.get(Secret, command.secret.stream_id, owner=uow.context.account_id)
    if found is None or found.deleted:
        raise SecretNotFoundError
    found.reveal(uow.context)
    uow.stage(found)
    return RevealedSecret(found.place, found.value_id, found.nonce, found.ciphertext)


def secret_reads(
    command: SetSecret | DeleteSecret | RevealSecret, context: CommandContext
) -> tuple[UUID, ...]:
    return (Keyset.id_for(command.secret.keyset_id), command.secret.stream_id)


def _check_registered(uow: UnitOfWork, place: SecretKey) -> None:
    account_id = uow.context.account_id
    keyset = uow.get(Keyset, Keyset.id_for(place.keyset_id), owner=account_id)
    if keyset is None or not keyset.is_registered(account_id, place.registration_id):
        raise KeysetNotFoundError
