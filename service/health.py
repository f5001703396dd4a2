"""Health for load balancers: ``/livez`` (the process answers) and ``/readyz`` (the store
answers, the read model keeps up, and the service is not shutting down). No key; a 503 says
which of these failed, and never more than positions and event types."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from projections.status import ReadModelStatus, read_model_status
from service.calls import container_of
from service.envelope import failure, success
from service.errors import ApiError, store_unavailable

# Readiness fails when the read model is further behind the log than this.
MAX_LAG_EVENTS = 10_000


async def livez(request: Request) -> Response:
    return success(request, 200, {"status": "live"})


async def readyz(request: Request) -> Response:
    if getattr(request.app.state, "shutting_down", False):
        return _not_ready(request, "the service is shutting down")
    container = container_of(request)
    try:
        status = await run_in_threadpool(read_model_status, container.projector)
    except Exception:  # whatever keeps us from reading the store means: not ready
        return _not_ready(request, "the store cannot be read")
    reason = unready_reason(status)
    if reason is not None:
        return _not_ready(request, reason)
    return success(request, 200, {"status": "ready"})


def unready_reason(status: ReadModelStatus) -> str | None:
    """Why a read model in this state cannot serve, or ``None`` when it can."""
    stopped = status.failure
    if stopped is not None:
        return (
            f"the read model has stopped before the event at position {stopped.position} "
            f"({stopped.topic}), which it cannot apply (faas-packages project --status)"
        )
    if status.lag_events > MAX_LAG_EVENTS:
        lag = status.lag_events
        return f"the read model is {lag} event{'' if lag == 1 else 's'} behind the log"
    return None


def _not_ready(request: Request, reason: str) -> Response:
    error: ApiError = store_unavailable(f"Not ready: {reason}.")
    return failure(request.scope["state"]["correlation_id"], error)
