"""Writes of one loop turn leave together, in order; closing sends what is held first."""

from __future__ import annotations

import asyncio

from service.http_protocol import JoinedWritesTransport


class RecordingTransport(asyncio.Transport):
    """What reached the socket, write by write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def _turn() -> None:
    await asyncio.sleep(0)


def test_a_head_and_body_written_in_one_turn_leave_in_one_write() -> None:
    async def scenario() -> list[bytes]:
        inner = RecordingTransport()
        joined = JoinedWritesTransport(inner, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"body")
        assert inner.writes == []
        await _turn()
        return inner.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody"]


def test_writes_of_later_turns_follow_in_order() -> None:
    async def scenario() -> list[bytes]:
        inner = RecordingTransport()
        joined = JoinedWritesTransport(inner, asyncio.get_running_loop())
        joined.write(b"one")
        await _turn()
        joined.write(b"two")
        joined.write(b"three")
        await _turn()
        await _turn()
        return inner.writes

    assert asyncio.run(scenario()) == [b"one", b"twothree"]


def test_closing_sends_what_is_held_then_closes() -> None:
    async def scenario() -> tuple[list[bytes], bool]:
        inner = RecordingTransport()
        joined = JoinedWritesTransport(inner, asyncio.get_running_loop())
        joined.write(b"last answer")
        joined.close()
        written = list(inner.writes)
        joined.write(b"after the close")
        await _turn()
        return written + inner.writes[len(written) :], joined.is_closing()

    assert asyncio.run(scenario()) == ([b"last answer"], True)
