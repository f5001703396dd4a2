"""API keys: issue one (its plain form is shown once), revoke one."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from commands.command import Command
from commands.errors import ApiKeyNotFoundError
from commands.keys import ApiKey, Grant
from commands.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    plain: str


@dataclass(frozen=True, slots=True)
class IssueApiKey(Command[IssuedKey]):
    """A new key for the context's account."""

    name: str
    grants: tuple[Grant, ...]
    expires_at: str | None = None


def issue_api_key(command: IssueApiKey, uow: UnitOfWork) -> IssuedKey:
    key, plain = ApiKey.issue(command.name, list(command.grants), command.expires_at, uow.context)
    uow.stage(key)
    return IssuedKey(key, plain)


@dataclass(frozen=True, slots=True)
class Revocation:
    key: ApiKey
    already_revoked: bool


@dataclass(frozen=True, slots=True)
class RevokeApiKey(Command[Revocation]):
    """Revoke a key; revoking a revoked key changes nothing (and says so)."""

    key_id: UUID


def revoke_api_key(command: RevokeApiKey, uow: UnitOfWork) -> Revocation:
    key = uow.get(ApiKey, command.key_id)
    if key is None:
        raise ApiKeyNotFoundError(command.key_id)
    already = key.revoked
    key.revoke(uow.context)
    uow.stage(key)
    return Revocation(key, already)


def key_reads(command: RevokeApiKey, _: object) -> tuple[UUID, ...]:
    return (command.key_id,)
