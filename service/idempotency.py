"""``Idempotency-Key`` on POST: the key read from the request, and the one answer a command
gives, whether it ran now or ran before with the same key and body."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from commands.command import Command
from commands.context import CommandContext
from commands.group_commit import Committed
from commands.idempotency import AnsweredBefore, Idempotency, RecordedAnswer
from service.commanding import run_command
from service.consistency import read_your_writes
from service.envelope import success
from service.errors import validation_failed

R = TypeVar("R")
KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# 1 to 255 printable ASCII characters, as the contract says.
VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")

_encoder = msgspec.json.Encoder()


def stored(status: int, data: Any, headers: dict[str, str] | None = None) -> RecordedAnswer:
    """An answer in the form it is kept in: ``data`` as its JSON text."""
    return RecordedAnswer(status, _encoder.encode(data).decode(), headers or {})


def idempotency_of(
    request: Request, body: bytes, render: Callable[[Any], RecordedAnswer]
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
    command: Command[R],
    context: CommandContext,
    render: Callable[[R], RecordedAnswer],
) -> Response:
    """Run a POST's command and answer; for a repeat of an ``Idempotency-Key``, the first
    answer again, byte for byte in ``data``."""
    once = idempotency_of(request, body, render)
    try:
        committed = await run_command(request, command, context, once)
    except AnsweredBefore as repeat:
        headers = {**repeat.response.headers, REPLAYED_HEADER: "true"}
        return _respond(request, repeat.response, headers)
    return await answer(request, committed, render)


async def answer(
    request: Request, committed: Committed[R], render: Callable[[R], RecordedAnswer]
) -> Response:
    """A command's answer, once the read model has its change."""
    response = render(committed.value)
    headers = {**await read_your_writes(request, committed.position), **response.headers}
    return _respond(request, response, headers)


def _respond(request: Request, response: RecordedAnswer, headers: dict[str, str]) -> Response:
    return success(request, response.status, msgspec.Raw(response.data.encode()), headers)
