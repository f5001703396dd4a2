"""The keyset a request names by its subscribe key (``?subkey=sub-c-…``): one of the caller's
account, on which its key holds the permission. An unknown subscribe key and another
account's get the same answer, after the same work."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from projections.keysets import KeysetDirectory, KeysetRecord
from service.calls import Call
from service.errors import lacks_permission, subkey_missing, subscribe_key_not_found

SUBKEY = "subkey"
# A keyset registered a moment ago by another process is looked for at most this often.
UNKNOWN_SUBKEY_REFRESH_SECONDS = 0.1


async def keyset_of(call: Call, permission: str) -> KeysetRecord:
    """The caller's keyset named by ``subkey``: 403 when the key holds ``permission`` on no
    keyset, 400 ``FAAS-1020`` without ``subkey``, 400 ``FAAS-1022`` when it names none of
    the account's, 403 when the key lacks ``permission`` on it."""
    if not call.principal.holds(permission):
        raise lacks_permission(permission)
    values = call.request.query_params.getlist(SUBKEY)
    if len(values) != 1 or not values[0]:
        raise subkey_missing()
    directory = call.container.keysets
    record = _owned(directory, values[0], call.account_id)
    if record is None and directory.older_than(UNKNOWN_SUBKEY_REFRESH_SECONDS):
        # Perhaps a keyset registered a moment ago. Looked for whichever way the lookup
        # failed (unknown, or another account's), so that the two cannot be told apart.
        await run_in_threadpool(directory.refresh_if_older_than, UNKNOWN_SUBKEY_REFRESH_SECONDS)
        record = _owned(directory, values[0], call.account_id)
    if record is None:
        raise subscribe_key_not_found()
    call.require(permission, record.keyset_id)
    return record


def _owned(directory: KeysetDirectory, subscribe_key: str, account_id: int) -> KeysetRecord | None:
    record = directory.get(subscribe_key)
    return record if record is not None and record.account_id == account_id else None
