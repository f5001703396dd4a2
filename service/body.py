"""Reading a JSON request body: media type first, then size, never past the limit."""

from __future__ import annotations

from starlette.requests import Request

from service.errors import body_too_large, unsupported_media_type


async def read_json_body(request: Request, max_bytes: int) -> bytes:
    """The body of a JSON request; 415 if it is not declared JSON, 413 past ``max_bytes``
    (refused from ``Content-Length`` before reading, or as soon as the stream passes it)."""
    _require_json(request)
    return await _read_bounded(request, max_bytes)


async def read_optional_json_body(request: Request, max_bytes: int) -> bytes:
    """The body of a request that may have none (clients send an empty one with any
    ``Content-Type``); a body that is not empty must be declared JSON."""
    body = await _read_bounded(request, max_bytes)
    if body.strip():
        _require_json(request)
    return body


def _require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise unsupported_media_type()


async def _read_bounded(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    # A Content-Length longer than any limit is over it: int() of thousands of digits fails.
    if declared.isdigit() and (len(declared) > len(str(max_bytes)) or int(declared) > max_bytes):
        raise body_too_large(max_bytes)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise body_too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)
