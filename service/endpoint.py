"""An endpoint of the API as one value: its route and its documentation together, so that
a route cannot be served without its OpenAPI operation; and the helpers every route shares
(the base path, ids in paths and queries, ``If-Match``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from service.errors import ApiError, validation_failed
from service.wire.common import CANONICAL_ID, ID_RULE

BASE_PATH = "/v2/faas"
READ_ERRORS = (400, 401, 403, 404, 406, 500, 503)
WRITE_ERRORS = (400, 401, 403, 404, 406, 409, 412, 413, 415, 422, 500, 503)

_CANONICAL_ID = re.compile(CANONICAL_ID)
_ENTITY_TAG = re.compile(r"\s*(?:W/)?\"?(\d{1,18})\"?\s*")
NEVER = -1  # an If-Match no version equals


@dataclass(frozen=True)
class Endpoint:
    """One method on one path: the handler that serves it and what the API's document says
    of it. ``response`` is the ``data`` type (a list of it when ``listed``); ``query`` names
    the query parameters; ``errors`` the statuses it may answer besides ``status``."""

    method: str
    path: str
    handler: Callable[[Request], Awaitable[Response]]
    tag: str
    summary: str
    status: int
    description: str = ""
    request: type | None = None
    response: Any = None
    listed: bool = False
    permission: str | None = None
    # No grant needed, but a valid key (of any account): the catalog's public content.
    any_key: bool = False
    query: tuple[str, ...] = ()
    errors: tuple[int, ...] = READ_ERRORS
    # The API's routes answer JSON only; operational ones their own media type to any Accept.
    negotiates_json: bool = True
    text: bool = False


def not_found() -> ApiError:
    """Unknown, or another account's: the same answer either way."""
    return ApiError(404, "FAAS-404", "Entity not found")


def parse_id(text: str) -> UUID | None:
    """The UUID ``text`` spells in the one form ids have on the wire (lowercase with
    hyphens); ``None`` for any other text."""
    if _CANONICAL_ID.fullmatch(text) is None:
        return None
    return UUID(text)


def path_id(request: Request, name: str) -> UUID:
    """A path id; one not written in the canonical form names nothing (404)."""
    parsed = parse_id(request.path_params[name])
    if parsed is None:
        raise not_found()
    return parsed


def query_id(request: Request, name: str) -> UUID | None:
    """A query id (``None`` when the parameter is absent), or a 400 naming the parameter."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    parsed = parse_id(values[0]) if len(values) == 1 else None
    if parsed is None:
        raise validation_failed(f"{name}: {ID_RULE}, given once")
    return parsed


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` asks for; ``None`` without one (or with ``*``)."""
    header = request.headers.get("if-match")
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.fullmatch(header)
    return int(match[1]) if match else NEVER
