"""``Idempotency-Key`` on POST: the key read from a request, and an answer in the form it is
kept in for a repeat."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Any

import msgspec
from starlette.requests import Request

from commands.idempotency import Idempotency, RecordedAnswer
from service.errors import validation_failed

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1 to 255 printable ASCII characters, as the contract says.
VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")

_encoder = msgspec.json.Encoder()


def stored(status: int, data: Any, headers: dict[str, str] | None = None) -> RecordedAnswer:
    """An answer in the form it is kept in: ``data`` as its JSON text."""
    return RecordedAnswer(status, _encoder.encode(data).decode(), headers or {})


def idempotency_of(
    request: Request,
    body: bytes,
    render: Callable[[Any], RecordedAnswer],
    secret_key: bytes | None = None,
) -> Idempotency | None:
    """The request's key, scoped to its route; the fingerprint covers the path, the query
    and the body, so a key reused for anything else is told apart. With ``secret_key`` (a
    body that holds secret values) it is an HMAC under that key, which the log does not
    hold, instead of a plain SHA-256."""
    keys = request.headers.getlist(KEY_HEADER)
    if not keys:
        return None
    key = keys[0]
    if len(keys) > 1 or not VALID_KEY.fullmatch(key):
        raise validation_failed(
            f"{KEY_HEADER}: must be sent once, 1 to 255 printable ASCII characters"
        )
    route = getattr(request.scope.get("route"), "path", request.url.path)
    fingerprint = hashlib.sha256() if secret_key is None else hmac.new(secret_key, None, "sha256")
    for part in (request.method, request.url.path, request.url.query):
        fingerprint.update(part.encode())
        fingerprint.update(b"\n")
    fingerprint.update(body)
    return Idempotency(key, f"{request.method} {route}", fingerprint.hexdigest(), render)
