"""Keysets and KV requests for tests: a keyset registered for an account, and the KV
store's paths."""

from __future__ import annotations

import random
from dataclasses import dataclass

from commands.handlers.keysets import AddKeyset
from service.bootstrap import Container
from tests.support.commands import context
from tests.support.http import BASE

KV = f"{BASE}/kv"


@dataclass(frozen=True)
class RegisteredKeyset:
    keyset_id: int
    subscribe_key: str
    registration_id: str

    @property
    def query(self) -> dict[str, str]:
        return {"subkey": self.subscribe_key}


def register_keyset(
    container: Container, account_id: int, highest: int = 2**62
) -> RegisteredKeyset:
    """A new keyset of the account (its id at most ``highest``), registered as ``keysets
    add`` does."""
    keyset = random.randint(1, highest)
    subscribe_key = f"sub-c-{random.getrandbits(128):032x}"
    registration = container.commands.run(AddKeyset(keyset, subscribe_key), context(account_id))
    container.keysets.refresh()
    return RegisteredKeyset(keyset, subscribe_key, registration.value.keyset.registration_id)
