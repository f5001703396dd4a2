"""uvicorn's httptools protocol, with the writes of one event-loop turn sent together.

uvicorn writes a response's head and its body separately, and each write goes straight to
the socket: two ``send`` calls and two TCP segments for every answer. Here a connection's
writes are gathered until the loop's next turn and sent as one, so a whole answer (head and
body, made in one step of its request's task) leaves in one ``send``. Every write of the
connection goes through the same buffer, so the order of its bytes never changes; closing
sends what is buffered first.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


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


class JoinedWritesProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` writing through a ``JoinedWritesTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        joined = JoinedWritesTransport(transport, self.loop)
        super().connection_made(joined)  # type: ignore[arg-type]
