"""uvicorn's httptools protocol as the service runs it: writes joined, reads and connections
bounded.

uvicorn writes a response's head and its body separately, and each write goes straight to
the socket: two ``send`` calls and two TCP segments for every answer. Here a connection's
writes are gathered until the loop's next turn and sent as one, so a whole answer (head and
body, made in one step of its request's task) leaves in one ``send``. Every write of the
connection goes through the same buffer, so the order of its bytes never changes; closing
sends what is buffered first.

uvicorn waits for a request's headers and body as long as the client likes, so silent or
slow clients could hold every file descriptor the process may open. Here a client has
``header_read_timeout_seconds`` from its connection (or from the first byte of its next
request) to send a request's headers, and ``body_read_timeout_seconds`` from then to send its
body; past either, the connection is closed. A connection past ``limit_concurrency`` open
ones is answered ``503 FAAS-503`` in the envelope and closed as soon as it is made (uvicorn's
own check would answer a bare 503, and only once the headers were in).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from commands.ids import new_id_text
from service.envelope import failure
from service.errors import too_many_connections

logger = logging.getLogger("faas.service")
# A flood of refused connections is told in one log line per this many seconds.
REFUSALS_LOGGED_EVERY_SECONDS = 10.0


class JoinedWritesTransport:
    """A transport whose writes made in one loop turn reach the socket in one write."""

    __slots__ = ("_buffer", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._buffer: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._buffer:
            self._loop.call_soon(self._flush)
        self._buffer.append(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def _flush(self) -> None:
        if not self._buffer:
            return
        data = self._buffer[0] if len(self._buffer) == 1 else b"".join(self._buffer)
        self._buffer = []
        if not self._transport.is_closing():
            self._transport.write(data)


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration, with how long a client may take to send a request."""

    def __init__(
        self,
        app: Any,
        *,
        header_read_timeout_seconds: float | None = None,
        body_read_timeout_seconds: float | None = None,
        **options: Any,
    ) -> None:
        super().__init__(app, **options)
        self.header_read_timeout_seconds = header_read_timeout_seconds
        self.body_read_timeout_seconds = body_read_timeout_seconds


class JoinedWritesProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` writing through a ``JoinedWritesTransport``, with its reads
    bounded in time and its connections in number (see the module)."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        # Checked when a connection is made, not by uvicorn once its headers are in.
        self.max_connections, self.limit_concurrency = self.limit_concurrency, None
        self.header_timeout: float | None = getattr(config, "header_read_timeout_seconds", None)
        self.body_timeout: float | None = getattr(config, "body_read_timeout_seconds", None)
        self._reading: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined = JoinedWritesTransport(transport, self.loop)
        super().connection_made(joined)  # type: ignore[arg-type]
        if self.max_connections is not None and len(self.connections) > self.max_connections:
            _refuse(transport)
            return
        self._read_within(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._read_within(None)
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._reading is None:  # a later request of a kept-alive connection
            self._read_within(self.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._read_within(self.body_timeout if self._body_follows() else None)

    def on_message_complete(self) -> None:
        self._read_within(None)
        super().on_message_complete()

    def _body_follows(self) -> bool:
        return any(
            (name == b"content-length" and value.strip(b" 0")) or name == b"transfer-encoding"
            for name, value in self.headers
        )

    def _read_within(self, seconds: float | None) -> None:
        """Close the connection unless the next part of its request (or nothing, with
        ``None``) has arrived within ``seconds``."""
        if self._reading is not None:
            self._reading.cancel()
        self._reading = None if seconds is None else self.loop.call_later(seconds, self._late)

    def _late(self) -> None:
        self._reading = None
        if not self.transport.is_closing():
            self.transport.close()


class _Refusals:
    """Connections refused since the last log line about them (per process)."""

    count = 0
    logged_at = 0.0


def _refuse(transport: asyncio.Transport) -> None:
    """Answer a connection past the limit with a 503 in the envelope, and close it."""
    answer = failure(new_id_text(), too_many_connections())
    head = [b"HTTP/1.1 503 Service Unavailable", *(b": ".join(h) for h in answer.raw_headers)]
    transport.write(b"\r\n".join([*head, b"connection: close", b"", answer.body]))
    transport.close()
    _Refusals.count += 1
    if time.monotonic() - _Refusals.logged_at > REFUSALS_LOGGED_EVERY_SECONDS:
        logger.warning("connections refused past the limit: %d", _Refusals.count)
        _Refusals.count, _Refusals.logged_at = 0, time.monotonic()
