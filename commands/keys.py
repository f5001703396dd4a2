"""API keys: an event-sourced ``ApiKey`` aggregate, its grants, and the key format."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import BaseAggregate

from commands.context import CommandContext, event_metadata
from commands.events import ApiKeyIssued, ApiKeyRevoked, stable_topic

# A recognisable prefix, so that leaked keys can be found by secret scanners.
KEY_PREFIX = "faaspk_"
KEY_PATTERN = re.compile(r"faaspk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})")

PACKAGE_READ = "functions.package:read"
PACKAGE_WRITE = "functions.package:write"
DEPLOYMENT_READ = "functions.package-deployment:read"
DEPLOYMENT_WRITE = "functions.package-deployment:write"
KV_READ = "functions.kv:read"
KV_WRITE = "functions.kv:write"
# Read lists a keyset's secret names; no permission ever reads a secret's value.
SECRET_READ = "functions.secret:read"  # noqa: S105 - a permission's name
SECRET_WRITE = "functions.secret:write"  # noqa: S105 - a permission's name
PERMISSIONS = (
    PACKAGE_READ,
    PACKAGE_WRITE,
    DEPLOYMENT_READ,
    DEPLOYMENT_WRITE,
    KV_READ,
    KV_WRITE,
    SECRET_READ,
    SECRET_WRITE,
)
KEYSET_SCOPED = frozenset(
    {DEPLOYMENT_READ, DEPLOYMENT_WRITE, KV_READ, KV_WRITE, SECRET_READ, SECRET_WRITE}
)
GRANT_PATTERN = re.compile(r"(?P<permission>[a-z.:-]+)(@keyset:(?P<keysets>[0-9,]+))?")


class GrantError(ValueError):
    """A grant written in a form the service does not know."""


@dataclass(frozen=True, slots=True)
class Grant:
    """A permission on the key's account, or (deployment, KV and secret permissions) on
    listed keysets."""

    permission: str
    keysets: frozenset[int] | None = None

    @classmethod
    def parse(cls, text: str) -> Grant:
        """``functions.package:write`` or ``functions.kv:write@keyset:1,2``."""
        match = GRANT_PATTERN.fullmatch(text.strip())
        if match is None or match["permission"] not in PERMISSIONS:
            raise GrantError(f"unknown grant {text!r}; permissions are {', '.join(PERMISSIONS)}")
        if match["keysets"] is None:
            return cls(match["permission"])
        if match["permission"] not in KEYSET_SCOPED:
            raise GrantError(f"{match['permission']} is granted on the whole account only")
        keysets = [part for part in match["keysets"].split(",") if part]
        if not keysets or any(int(part) < 1 for part in keysets):
            raise GrantError(f"keyset ids must be positive integers: {text!r}")
        return cls(match["permission"], frozenset(int(part) for part in keysets))

    def covers(self, permission: str, keyset: int | None) -> bool:
        if permission != self.permission:
            return False
        return self.keysets is None or (keyset is not None and keyset in self.keysets)

    def to_payload(self) -> dict[str, Any]:
        keysets = None if self.keysets is None else sorted(self.keysets)
        return {"permission": self.permission, "keysets": keysets}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Grant:
        keysets = payload.get("keysets")
        return cls(payload["permission"], None if keysets is None else frozenset(keysets))

    def __str__(self) -> str:
        if self.keysets is None:
            return self.permission
        return f"{self.permission}@keyset:{','.join(map(str, sorted(self.keysets)))}"


def secret_digest(secret: str) -> str:
    """Keys carry 256 random bits, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(text: str) -> tuple[UUID, str] | None:
    """The key id and secret of a key string, or ``None`` if it is not one of ours."""
    match = KEY_PATTERN.fullmatch(text)
    if match is None:
        return None
    return UUID(hex=match[1]), match[2]


@stable_topic
class ApiKey(BaseAggregate[UUID]):
    account_id: int
    name: str
    secret_sha256: str
    grants: list[dict[str, Any]]
    expires_at: str | None
    revoked: bool

    def __init__(self) -> None:
        """State is set by ``ApiKeyIssued.apply``."""

    @classmethod
    def issue(
        cls,
        name: str,
        grants: list[Grant],
        expires_at: str | None,
        context: CommandContext,
    ) -> tuple[ApiKey, str]:
        """A new key for ``context.account_id``; returns it with the plain key (shown once)."""
        key_id = uuid4()
        secret = secrets.token_urlsafe(32)
        key = cls._create(
            ApiKeyIssued,
            id=key_id,
            name=name,
            secret_sha256=secret_digest(secret),
            grants=[grant.to_payload() for grant in grants],
            expires_at=expires_at,
            **event_metadata(context),
        )
        return key, f"{KEY_PREFIX}{key_id.hex}_{secret}"

    def revoke(self, context: CommandContext) -> None:
        if not self.revoked:
            # The event belongs to the key's account, whoever revokes it.
            self.trigger_event(
                ApiKeyRevoked, **{**event_metadata(context), "account_id": self.account_id}
            )
