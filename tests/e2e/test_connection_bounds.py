"""Connections are bounded, on a real server over real sockets: a client that is silent or
slow with its request is dropped after the read timeout, and connections past the limit are
answered 503 in the envelope at once, so the server never runs out of file descriptors."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import httpx2 as httpx

from tests.support.server import server_process

# Generous against the one-second timeouts the servers here run with: only a connection the
# server never closes takes this long.
DROPPED_WITHIN_SECONDS = 20
QUICK = {"FAAS_HEADER_READ_TIMEOUT_SECONDS": "1", "FAAS_BODY_READ_TIMEOUT_SECONDS": "1"}


def _address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


@contextmanager
def silent_connections(base: str, count: int) -> Iterator[list[socket.socket]]:
    with ExitStack() as stack:
        yield [
            stack.enter_context(socket.create_connection(_address(base), timeout=10))
            for _ in range(count)
        ]


def closed_by_server(sock: socket.socket, trickle: bytes = b"") -> bool:
    """Whether the server closes the connection while the client sends ``trickle`` a byte
    every tenth of a second (or nothing), within ``DROPPED_WITHIN_SECONDS``."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + DROPPED_WITHIN_SECONDS
    for byte in [trickle[i : i + 1] for i in range(len(trickle))] + [b""] * 10_000:
        if time.monotonic() > deadline:
            return False
        try:
            if byte:
                sock.sendall(byte)
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def test_a_silent_connection_is_dropped_after_the_header_timeout(store_url: str) -> None:
    with (
        server_process(store_url, env=QUICK) as (base, _),
        silent_connections(base, 1) as [sock],
    ):
        started = time.monotonic()
        assert closed_by_server(sock)
        assert time.monotonic() - started >= 0.5  # not at once: after the timeout


def test_headers_sent_a_byte_at_a_time_are_dropped_after_the_header_timeout(
    store_url: str,
) -> None:
    slow = b"GET /livez HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"s" * 1000
    with (
        server_process(store_url, env=QUICK) as (base, _),
        silent_connections(base, 1) as [sock],
    ):
        assert closed_by_server(sock, trickle=slow)


def test_a_body_sent_a_byte_at_a_time_is_dropped_after_the_body_timeout(store_url: str) -> None:
    head = (
        b"PUT /v2/faas/packages/0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10 HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
    )
    with (
        server_process(store_url, env=QUICK) as (base, _),
        silent_connections(base, 1) as [sock],
    ):
        sock.sendall(head)
        assert closed_by_server(sock, trickle=b" " * 5000)


def test_connections_past_the_limit_are_answered_503_in_the_envelope(store_url: str) -> None:
    env = {"FAAS_MAX_CONNECTIONS": "5", "FAAS_HEADER_READ_TIMEOUT_SECONDS": "60"}
    with server_process(store_url, env=env) as (base, _):
        with silent_connections(base, 5):
            refused = httpx.get(f"{base}/livez", timeout=10)
        served = _answer_once_free(base)

    assert refused.status_code == 503
    assert refused.json()["errors"][0]["code"] == "FAAS-503"
    assert refused.headers["retry-after"]
    assert "server" not in refused.headers
    assert served.status_code == 200
    assert "server" not in served.headers


def test_a_flood_past_the_file_limit_leaves_the_server_answering(store_url: str) -> None:
    env = {"FAAS_MAX_CONNECTIONS": "100", "FAAS_HEADER_READ_TIMEOUT_SECONDS": "60"}
    with (
        server_process(store_url, env=env, open_files=256) as (base, _),
        silent_connections(base, 300),
    ):
        answer = httpx.get(f"{base}/livez", timeout=10)

    assert answer.status_code == 503
    assert answer.json()["errors"][0]["code"] == "FAAS-503"


def _answer_once_free(base: str) -> httpx.Response:
    """``/livez`` once the server has seen the silent connections go."""
    deadline = time.monotonic() + DROPPED_WITHIN_SECONDS
    while True:
        with contextlib.suppress(httpx.TransportError):
            answer = httpx.get(f"{base}/livez", timeout=10)
            if answer.status_code != 503 or time.monotonic() > deadline:
                return answer
        time.sleep(0.1)
