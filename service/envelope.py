"""The response envelope: ``{"data", "meta", "errors"}`` on every answer."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from service.errors import ApiError
from service.wire.common import (
    Envelope,
    ErrorItem,
    Paging,
    ResponseMeta,
    format_timestamp,
    now_to_the_millisecond,
)

JSON_MEDIA_TYPE = "application/json; charset=utf-8"
CORRELATION_HEADER = "X-Correlation-Id"

_encoder = msgspec.json.Encoder()


def correlation_id_of(request: Request) -> str:
    """The id every log line, event and response of this request carries."""
    return str(request.scope["state"]["correlation_id"])


def success(
    request: Request,
    status: int,
    data: Any,
    headers: dict[str, str] | None = None,
    paging: Paging | None = None,
    next_page_token: str | None = None,
) -> Response:
    """An answer carrying ``data`` (a page of it when ``paging`` or ``next_page_token`` is
    given)."""
    correlation_id = correlation_id_of(request)
    meta = _meta(correlation_id)
    if paging is not None:
        meta.paging = paging
    if next_page_token is not None:
        meta.next_page_token = next_page_token
    envelope = Envelope(data=data, meta=meta, errors=[])
    return _response(envelope, status, correlation_id, headers)


def failure(correlation_id: str, error: ApiError) -> Response:
    """An answer carrying ``errors``."""
    envelope = Envelope(
        meta=_meta(correlation_id),
        errors=[ErrorItem(code=error.code, message=message) for message in error.messages],
    )
    return _response(envelope, error.status, correlation_id, error.headers)


def _meta(correlation_id: str) -> ResponseMeta:
    return ResponseMeta(
        timestamp=format_timestamp(now_to_the_millisecond()), correlation_id=correlation_id
    )


def _response(
    envelope: Envelope, status: int, correlation_id: str, headers: dict[str, str] | None
) -> Response:
    headers = {**(headers or {}), CORRELATION_HEADER: correlation_id}
    return Response(_encoder.encode(envelope), status, headers, media_type=JSON_MEDIA_TYPE)
