"""Ids on the wire have one form, a UUID in lowercase with hyphens, parsed here and nowhere
else: in a path, any other text names nothing (404); in a query, it is a 400 naming the
parameter. Body ids are held to the same form by their wire type (``service.wire.Id``)."""

from __future__ import annotations

import re
from uuid import UUID

from starlette.requests import Request

from service.context import not_found
from service.errors import validation_failed
from service.wire import CANONICAL_ID, ID_RULE

_CANONICAL_ID = re.compile(CANONICAL_ID)


def parse_id(text: str) -> UUID | None:
    """The UUID ``text`` spells in the canonical form; ``None`` for any other text."""
    if _CANONICAL_ID.match(text) is None:
        return None
    return UUID(text)


def path_id(request: Request, name: str) -> UUID:
    """A path id; one that is not written in the canonical form names nothing."""
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
