"""The master key against the store: checked when a process opens it, used to read a value
back (``faas-packages secrets reveal``), and replaced (``secrets rotate-master-key``)."""

from __future__ import annotations

from commands.handlers.secrets import RevealedSecret
from commands.persistence import ServiceRecorder
from commands.persistence.secret_keys import (
    CHECK_ID,
    every_key,
    put_check,
    replace_key,
    wrapped_key,
)
from commands.vault import MasterKeyError, SealedError, Vault, open_value


def open_vault(recorder: ServiceRecorder, master_key: bytes) -> Vault:
    """The vault of ``master_key``, once the store's check value opens with it; on a store
    with none yet, the check value is made (the first start). ``MasterKeyError`` when the
    store's secrets were stored under another key."""
    vault = Vault(master_key)
    with recorder.side_tables(write=False) as cursor:
        check = wrapped_key(cursor, recorder.kind, CHECK_ID)
    if check is None:
        with recorder.side_tables(write=True) as cursor:
            put_check(cursor, recorder.kind, vault.check_value())
            check = wrapped_key(cursor, recorder.kind, CHECK_ID)
    if check is None or not vault.opens(check):
        raise MasterKeyError("the master key is not the one this store's secrets were stored under")
    return vault


def read_value(recorder: ServiceRecorder, vault: Vault, secret: RevealedSecret) -> str:
    """The value of a revealed secret; ``SealedError`` when its data key is gone (the value
    was replaced or deleted) or does not open."""
    with recorder.side_tables(write=False) as cursor:
        wrapped = wrapped_key(cursor, recorder.kind, secret.value_id)
    if wrapped is None:
        raise SealedError("the value's data key was destroyed")
    data_key = vault.unwrap(secret.value_id, wrapped)
    return open_value(secret.place, secret.value_id, secret.nonce, secret.ciphertext, data_key)


def rotate_master_key(recorder: ServiceRecorder, old: Vault, new: Vault) -> int:
    """Wrap every data key, and the check value, under ``new`` instead of ``old``, in one
    transaction that holds off every writer; how many data keys. Nothing changes when one
    does not open with ``old``."""
    with recorder.side_tables(write=True) as cursor:
        rows = every_key(cursor, recorder.kind)
        check = dict(rows).get(CHECK_ID)
        if check is None or not old.opens(check):
            raise MasterKeyError(
                "the current master key is not the one this store's secrets were stored under"
            )
        for value_id, wrapped in rows:
            if value_id == CHECK_ID:
                replace_key(cursor, recorder.kind, value_id, new.check_value())
            else:
                replace_key(
                    cursor,
                    recorder.kind,
                    value_id,
                    new.wrap(value_id, old.unwrap(value_id, wrapped)),
                )
    return len(rows) - 1
