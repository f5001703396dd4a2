"""Read-your-writes: an answer to a command waits, bounded, until the read model has it."""

from __future__ import annotations

import logging

from starlette.requests import Request

from service.context import container_of
from service.envelope import correlation_id_of

STALE_HEADER = "X-Read-Model-Stale"

logger = logging.getLogger("faas.service")


async def read_your_writes(request: Request, position: int) -> dict[str, str]:
    """Wait until the read model includes ``position``; past the bound, answer anyway (the
    write is durable) and say so in a header."""
    container = container_of(request)
    timeout = container.settings.read_your_writes_timeout_seconds
    if await container.watch.wait_for(position, timeout):
        return {}
    logger.warning(
        "read model behind position %s after %s s correlation_id=%s",
        position,
        timeout,
        correlation_id_of(request),
    )
    return {STALE_HEADER: "true"}
