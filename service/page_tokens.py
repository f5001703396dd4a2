"""Page tokens of the KV store's lists: the last key of a page, signed (HMAC-SHA-256) with
the keyset registration's own key, over the list it belongs to (the kind of entry and the
prefix). A token that was changed, or made for another keyset, registration, kind or prefix,
is refused; nothing but the key it carries is ever read from one."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

# A key of 1,000 characters is at most 4,000 bytes: its token is about 5,400 characters.
MAX_TOKEN_CHARACTERS = 6000
SIGNATURE_BYTES = 16


class BadPageTokenError(ValueError):
    """Not a token this list made."""


def page_token(signing_key: bytes, kind: str, prefix: str, last_key: str) -> str:
    """The token of the page after ``last_key``."""
    key_bytes = last_key.encode()
    signature = _signature(signing_key, kind, prefix, key_bytes)
    return f"{_text(key_bytes)}.{_text(signature)}"


def key_after(signing_key: bytes, kind: str, prefix: str, token: str) -> str:
    """The last key of the page before the token's, if the token is this list's own."""
    if len(token) > MAX_TOKEN_CHARACTERS or token.count(".") != 1:
        raise BadPageTokenError
    encoded_key, encoded_signature = token.split(".")
    try:
        key_bytes = _bytes(encoded_key)
        signature = _bytes(encoded_signature)
        expected = _signature(signing_key, kind, prefix, key_bytes)
        if not hmac.compare_digest(signature, expected):
            raise BadPageTokenError
        return key_bytes.decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadPageTokenError from None


def _signature(signing_key: bytes, kind: str, prefix: str, key_bytes: bytes) -> bytes:
    # Lengths first, so that no two (kind, prefix, key) run together into the same message.
    parts = (kind.encode(), prefix.encode(), key_bytes)
    message = b"".join(len(part).to_bytes(4, "big") + part for part in parts)
    return hmac.new(signing_key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _text(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _bytes(text: str) -> bytes:
    """Strictly: only the one text that ``_text`` makes of the bytes is read as them (the
    library's decoder would skip characters outside the alphabet)."""
    if not text.isascii():
        raise binascii.Error("not base64url")
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _text(data) != text:
        raise binascii.Error("not the canonical form")
    return data
