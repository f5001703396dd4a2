"""Per-request context: correlation id, content negotiation, and the last-resort 500."""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commands.ids import new_id_text
from service.envelope import failure
from service.errors import bad_correlation_id, internal_error
from service.metrics import observe_request

logger = logging.getLogger("faas.service")
access = logging.getLogger("faas.access")

CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _record_request(scope: Scope, status: int, seconds: float) -> None:
    """One log line and one count per request, both by route template: never a key, a body,
    a path or a query string."""
    method = scope.get("method")
    route: str | None = getattr(scope.get("route"), "path", None)
    if access.isEnabledFor(logging.INFO):
        state = scope.get("state", {})
        access.info(
            "%s %s %s",
            method,
            route or "(no route)",
            status,
            extra={
                "correlation_id": state.get("correlation_id"),
                "account_id": state.get("account_id"),
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
            },
        )
    observe_request(method, route, status, seconds)


class RequestContextMiddleware:
    """Gives each request its correlation id and receive time, refuses a malformed
    correlation id, logs and counts every answer, and turns any unhandled exception into a
    logged 500 in the envelope, without detail."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        sent = headers.getlist("x-correlation-id")
        given = sent[0] if sent else None
        # Sent twice is as malformed as any: which one a proxy would keep differs.
        valid = len(sent) == 1 and CORRELATION_ID.fullmatch(sent[0]) is not None
        correlation_id = given if valid and given is not None else new_id_text()
        state = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id
        # As a number: only commands need it as a time (``service.calls.Call.context``).
        state["received_at"] = time.time()
        app = self.app
        if given is not None and not valid:
            app = failure(correlation_id, bad_correlation_id())
        await self._call_guarded(app, scope, receive, send, correlation_id)

    @staticmethod
    async def _call_guarded(
        app: ASGIApp, scope: Scope, receive: Receive, send: Send, correlation_id: str
    ) -> None:
        status = 500
        response_started = False
        started = time.perf_counter()

        async def tracking_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
            await send(message)

        try:
            await app(scope, receive, tracking_send)
        except Exception:
            logger.exception(
                "unhandled error correlation_id=%s method=%s path=%s",
                correlation_id,
                scope.get("method"),
                scope.get("path"),
                extra={"correlation_id": correlation_id},
            )
            if not response_started:
                await failure(correlation_id, internal_error())(scope, receive, send)
        finally:
            _record_request(scope, status, time.perf_counter() - started)
