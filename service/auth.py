"""Who is calling: the API key of a request, checked against the key ring, and its grants."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from commands.keys import Grant, parse_key, secret_digest
from projections.keyring import KeyRecord, KeyRing
from service.errors import ApiError

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="faas"'}
# Compared against when the key id is unknown, so that both paths cost the same.
_NO_SUCH_DIGEST = secret_digest("no such key")
# A key made by another process a moment ago is looked for at most this often.
UNKNOWN_KEY_REFRESH_SECONDS = 0.1
# Authorization headers whose secret matched, with their key's record: a client sends the
# same one with every request, and its digest need not be taken again while the record stands.
CHECKED_HEADERS = 1024
_checked: dict[str, tuple[KeyRecord, Principal]] = {}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: an API key of one account, with its grants."""

    account_id: int
    key_id: str
    grants: tuple[Grant, ...]

    def allows(self, permission: str, keyset: int | None = None) -> bool:
        return any(grant.covers(permission, keyset) for grant in self.grants)

    def keysets_for(self, permission: str) -> frozenset[int] | None:
        """The keysets ``permission`` is granted on: ``None`` for all of the account's."""
        keysets: set[int] = set()
        for grant in self.grants:
            if grant.permission == permission:
                if grant.keysets is None:
                    return None
                keysets |= grant.keysets
        return frozenset(keysets)

    def holds(self, permission: str) -> bool:
        """Whether ``permission`` is granted at all, on the account or on some keyset."""
        return any(grant.permission == permission for grant in self.grants)


def missing_credentials() -> ApiError:
    return ApiError(401, "FAAS-1001", "An API key is required", headers=dict(CHALLENGE))


def invalid_credentials() -> ApiError:
    return ApiError(
        401, "FAAS-1002", "The API key is unknown, revoked or expired", headers=dict(CHALLENGE)
    )


def ambiguous_credentials() -> ApiError:
    """Two ``Authorization`` headers: which one a proxy or a library would take differs, so
    neither is taken."""
    return ApiError(400, "FAAS-400", "Authorization: send the header once")


def forbidden(permission: str) -> ApiError:
    return ApiError(403, "FAAS-403", f"The API key lacks the permission {permission}")


async def authenticate(request: Request, keys: KeyRing) -> Principal:
    """The principal of ``Authorization: <key>`` or ``Authorization: Bearer <key>``."""
    sent = request.headers.getlist("authorization")
    if len(sent) > 1:
        raise ambiguous_credentials()
    header = sent[0] if sent else None
    if header is None or not header.strip():
        raise missing_credentials()
    checked = _checked.get(header)
    if checked is not None:
        known, principal = checked
        # The ring replaces a record that changes (a revocation): then the key is checked
        # again from the start.
        if keys.get(known.key_id) is known and known.usable_at(datetime.now(UTC)):
            return principal
        _checked.pop(header, None)
    scheme, _, rest = header.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else header.strip()
    parsed = parse_key(token)
    if parsed is None:
        raise invalid_credentials()
    record, found = _checked_key(keys, *parsed)
    if found is None and keys.older_than(UNKNOWN_KEY_REFRESH_SECONDS):
        # Perhaps a key made a moment ago by another process. Looked for whichever way the
        # check failed, so that how long a refusal takes tells nothing of why.
        await run_in_threadpool(keys.refresh_if_older_than, UNKNOWN_KEY_REFRESH_SECONDS)
        record, found = _checked_key(keys, *parsed)
    if record is None or found is None:
        raise invalid_credentials()
    if len(_checked) >= CHECKED_HEADERS:
        _checked.clear()
    _checked[header] = (record, found)
    return found


def _checked_key(
    keys: KeyRing, key_id: UUID, secret: str
) -> tuple[KeyRecord | None, Principal | None]:
    """The key's record and, if the secret is its own and the key usable, its principal. An
    unknown id costs the same hash and comparison as a known one."""
    record = keys.get(key_id)
    expected = record.secret_sha256 if record is not None else _NO_SUCH_DIGEST
    matches = hmac.compare_digest(secret_digest(secret), expected)
    if record is None or not matches or not record.usable_at(datetime.now(UTC)):
        return record, None
    return record, Principal(record.account_id, str(key_id), record.grants)


async def authorize(request: Request, keys: KeyRing, permission: str) -> Principal:
    """The principal, if its key grants ``permission`` on its account; else 401 or 403."""
    principal = await authenticate(request, keys)
    if not principal.allows(permission):
        raise forbidden(permission)
    return principal
