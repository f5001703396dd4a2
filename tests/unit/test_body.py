"""Reading a body: a declared length is checked before a byte is read, however long it is."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import Request
from starlette.types import Message

from service.body import read_json_body
from service.errors import ApiError


def request_with(content_length: str, body: bytes) -> Request:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", b"application/json"), (b"content-length", content_length.encode())]
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


@pytest.mark.parametrize("declared", ["1025", "9" * 5000])
def test_a_declared_length_past_the_limit_is_413_before_reading(declared: str) -> None:
    with pytest.raises(ApiError) as refused:
        asyncio.run(read_json_body(request_with(declared, b"{}"), 1024))

    assert (refused.value.status, refused.value.code) == (413, "FAAS-413")


def test_a_body_within_the_limit_is_read() -> None:
    assert asyncio.run(read_json_body(request_with("2", b"{}"), 1024)) == b"{}"
