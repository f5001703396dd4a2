"""Content negotiation: the API's routes answer JSON only; the operational endpoints (health,
metrics, the docs page, the OpenAPI document) answer their own media type to any ``Accept``."""

from __future__ import annotations

from functools import lru_cache

from starlette.datastructures import Headers
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from service.errors import not_acceptable

JSON_RANGES = frozenset({"application/json", "application/*", "*/*"})


@lru_cache(maxsize=256)
def accepts_json(accept: str | None) -> bool:
    """Whether an ``Accept`` header admits ``application/json`` (no header admits all)."""
    if accept is None or not accept.strip():
        return True
    for media_range in accept.split(","):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        if media_type.lower() in JSON_RANGES and _quality(parameters) > 0:
            return True
    return False


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


class JsonRoute(Route):
    """A route of the API. A request it would serve that accepts no JSON is refused (406)
    once routed, so that the refusal is logged and counted by its route like any answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        serves = self.methods is None or scope["method"] in self.methods
        if serves and not accepts_json(Headers(scope=scope).get("accept")):
            raise not_acceptable()
        await super().handle(scope, receive, send)
