"""Reading a JSON request body: media type first, then size, never past the limit."""

from __future__ import annotations

from starlette.requests import Request

from service.errors import body_too_large, unsupported_media_type


async def read_json_body(request: Request, max_bytes: int) -> bytes:
    """The body of a JSON request; 415 if it is not declared JSON, 413 past ``max_bytes``
    (refused from ``Content-Length`` before reading, or as soon as the stream passes it)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise unsupported_media_type()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise body_too_large(max_bytes)
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise body_too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)
