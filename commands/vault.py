"""Secrets' cryptography: AES-256-GCM envelopes.

Every value of a secret is encrypted under a fresh 256-bit data key of its own, with a random
96-bit nonce and associated data that binds the ciphertext to its account, keyset, key and
value id (a ciphertext moved to another secret does not open). The data key is itself
encrypted (wrapped) under the master key, bound to the value id, and kept only in the side
table ``secret_data_keys``: destroying that row makes the value unreadable for good.

The master key is 32 bytes, kept in a key file as 64 hexadecimal digits. A check value (a
known text encrypted under it) is kept in the side table, so that a wrong key file is found
when a process starts, not when a value is read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
CHECK_TEXT = b"faas-packages master key check"
_WRAP_CONTEXT = b"faas-packages data key\n"
_CHECK_CONTEXT = b"faas-packages master key check\n"
# Requests whose bodies hold secret values are fingerprinted (Idempotency-Key) under a key
# of the master key's: a plain hash in the log would let a guessed value be checked.
_FINGERPRINT_CONTEXT = b"faas-packages request fingerprint\n"


class MasterKeyError(Exception):
    """A key file that cannot be used, or a master key that is not the store's."""


class SealedError(Exception):
    """A value or data key that does not open with the key given."""


@dataclass(frozen=True, slots=True)
class SecretPlace:
    """What a value's ciphertext is bound to."""

    account_id: int
    keyset_id: int
    key: str

    def associated_data(self, value_id: str) -> bytes:
        # JSON of an array: unambiguous whatever characters the key holds.
        return json.dumps(
            ["faas-secret-v1", self.account_id, self.keyset_id, self.key, value_id]
        ).encode()


@dataclass(frozen=True, slots=True)
class SealedValue:
    """A value encrypted under ``data_key`` (nonce and ciphertext in base64)."""

    value_id: str
    nonce: str
    ciphertext: str
    data_key: bytes


def seal_value(place: SecretPlace, value: str) -> SealedValue:
    """The value encrypted under a new data key of its own."""
    value_id = secrets.token_hex(16)
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, value.encode(), place.associated_data(value_id))
    return SealedValue(value_id, _b64(nonce), _b64(ciphertext), data_key)


def open_value(
    place: SecretPlace, value_id: str, nonce: str, ciphertext: str, data_key: bytes
) -> str:
    """The value a ciphertext holds; ``SealedError`` when it does not open."""
    try:
        plain = AESGCM(data_key).decrypt(
            base64.b64decode(nonce), base64.b64decode(ciphertext), place.associated_data(value_id)
        )
    except (InvalidTag, ValueError):
        raise SealedError("the value does not open with this data key") from None
    return plain.decode()


class Vault:
    """The master key: wraps and unwraps data keys, makes and checks the check value."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != KEY_BYTES:
            raise MasterKeyError(f"a master key is {KEY_BYTES} bytes")
        self._aead = AESGCM(master_key)
        self.fingerprint_key = hmac.new(master_key, _FINGERPRINT_CONTEXT, hashlib.sha256).digest()

    def wrap(self, value_id: str, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, _WRAP_CONTEXT + value_id.encode())

    def unwrap(self, value_id: str, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_CONTEXT + value_id.encode()
            )
        except (InvalidTag, ValueError):
            raise SealedError("the data key does not open with this master key") from None

    def check_value(self) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, CHECK_TEXT, _CHECK_CONTEXT)

    def opens(self, check: bytes) -> bool:
        """Whether ``check`` was made by this master key."""
        try:
            opened = self._aead.decrypt(check[:NONCE_BYTES], check[NONCE_BYTES:], _CHECK_CONTEXT)
        except (InvalidTag, ValueError):
            return False
        return opened == CHECK_TEXT


def read_key_file(path: Path) -> bytes:
    """The master key in ``path`` (64 hexadecimal digits); ``MasterKeyError`` naming what is
    wrong."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise MasterKeyError(f"the key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MasterKeyError(f"the key file {path} cannot be read: {error}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"the key file {path} must hold {KEY_BYTES * 2} hexadecimal digits (256 bits)"
        )
    return key


def make_key_file(path: Path) -> bytes:
    """A new master key, written to ``path``, which must not exist: created at once with
    mode 0600 (never readable by others, not even for a moment)."""
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


def read_or_make_key_file(path: Path) -> bytes:
    """The master key in ``path``, made first if the file does not exist (two processes
    starting together: one makes it, the other reads it)."""
    try:
        return make_key_file(path)
    except FileExistsError:
        return read_key_file(path)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
