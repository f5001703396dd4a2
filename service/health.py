"""Health for load balancers: ``/livez`` (the process answers) and ``/readyz`` (the store
answers, the read model keeps up, and the service is not shutting down). No key, no detail."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from projections.status import read_model_status
from service.calls import container_of
from service.envelope import failure, success
from service.errors import ApiError, store_unavailable

# Readiness fails when the read model is further behind the log than this.
MAX_LAG_EVENTS = 10_000


async def livez(request: Request) -> Response:
    return success(request, 200, {"status": "live"})


async def readyz(request: Request) -> Response:
    container = container_of(request)
    try:
        status = await run_in_threadpool(read_model_status, container.projector)
    except Exception:  # whatever keeps us from reading the store means: not ready
        return _not_ready(request)
    if getattr(request.app.state, "shutting_down", False) or status.lag_events > MAX_LAG_EVENTS:
        return _not_ready(request)
    return success(request, 200, {"status": "ready"})


def _not_ready(request: Request) -> Response:
    error: ApiError = store_unavailable("Not ready.")
    return failure(request.scope["state"]["correlation_id"], error)
