"""``Idempotency-Key`` on POST: the key read from the request, and the one answer a command
gives, whether it ran now or ran before with the same key and body."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.idempotency import AnsweredBefore, Idempotency, StoredResponse
from service.commanding import run_command
from service.consistency import read_your_writes
from service.envelope import success
from service.errors import validation_failed


class Committed(Protocol):
    """A command's result: where in the log its last event is."""

    @property
    def position(self) -> int: ...


T = TypeVar("T", bound=Committed)
KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1 to 255 printable ASCII characters, as the contract says.
VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")

_encoder = msgspec.json.Encoder()


def stored(status: int, data: Any, headers: dict[str, str] | None = None) -> StoredResponse:
    """An answer in the form it is kept in: ``data`` as its JSON text."""
    return StoredResponse(status, _encoder.encode(data).decode(), headers or {})


def idempotency_of(
    request: Request, body: bytes, render: Callable[[Any], StoredResponse]
) -> Idempotency | None:
    """The request's key, scoped to its route; the fingerprint covers the path, the query
    and the body, so a key reused for anything else is told apart."""
    keys = request.headers.getlist(KEY_HEADER)
    if not keys:
        return None
    key = keys[0]
    if len(keys) > 1 or not VALID_KEY.fullmatch(key):
        raise validation_failed(
            f"{KEY_HEADER}: must be sent once, 1 to 255 printable ASCII characters"
        )
    route = getattr(request.scope.get("route"), "path", request.url.path)
    fingerprint = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        fingerprint.update(part.encode())
        fingerprint.update(b"\n")
    fingerprint.update(body)
    return Idempotency(key, f"{request.method} {route}", fingerprint.hexdigest(), render)


async def answer_once(
    request: Request,
    body: bytes,
    command: Callable[[Idempotency | None], T],
    render: Callable[[T], StoredResponse],
) -> Response:
    """Run a POST's command (in the thread pool) and answer; for a repeat of an
    ``Idempotency-Key``, the first answer again, byte for byte in ``data``."""
    once = idempotency_of(request, body, render)
    try:
        outcome = await run_command(request, partial(command, once))
    except AnsweredBefore as repeat:
        headers = {**repeat.response.headers, REPLAYED_HEADER: "true"}
        return _respond(request, repeat.response, headers)
    return await answer(request, outcome, render)


async def answer(request: Request, outcome: T, render: Callable[[T], StoredResponse]) -> Response:
    """A command's answer, once the read model has its change."""
    response = render(outcome)
    headers = {**await read_your_writes(request, outcome.position), **response.headers}
    return _respond(request, response, headers)


def _respond(request: Request, response: StoredResponse, headers: dict[str, str]) -> Response:
    return success(request, response.status, msgspec.Raw(response.data.encode()), headers)
