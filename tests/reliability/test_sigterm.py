"""SIGTERM: requests in flight are answered, new connections are refused at once, nothing
answered is lost. (Moved here from tests/e2e/test_shutdown.py, and extended.)"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx
import pytest

from tests.support.builders import package_body
from tests.support.keys import IssuedKey, issue_key_in
from tests.support.load import LOAD_ENV, PACKAGES, CreateLoad
from tests.support.read_back import (
    account_packages,
    answered_problems,
    fresh_create,
    verify_problems,
    whole_problems,
)
from tests.support.server import server_process

pytestmark = pytest.mark.slow

SHUTDOWN_ENV = {**LOAD_ENV, "FAAS_SHUTDOWN_TIMEOUT_SECONDS": "10"}
# The graceful bound, and the time uvicorn takes to stop its workers and exit past it.
EXIT_SECONDS = 20


def test_sigterm_under_load_fails_no_request_and_loses_no_answered_create(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    with (
        server_process(store_url, workers=2, env=SHUTDOWN_ENV, log=log) as (base, server),
        CreateLoad(base, key, clients=8) as load,
    ):
        load.wait_for_answers(8, timeout=30)
        time.sleep(1.0)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=EXIT_SECONDS)
    outcomes = load.outcomes

    # A graceful exit; uvicorn re-raises the signal once it has shut down.
    assert server.returncode in (0, -signal.SIGTERM)
    assert outcomes.failures == []
    assert outcomes.answered
    # The projection stops after the workers have drained: what they answer meanwhile is in
    # the read model.
    assert [answer.body["name"] for answer in outcomes.answered if answer.stale] == []
    answered = {answer.body["name"] for answer in outcomes.answered}
    sent_under_load = set(outcomes.sent)
    with server_process(store_url, env=LOAD_ENV, log=log) as (base, _):
        fresh_create(base, key, outcomes.sent)
        assert answered_problems(base, key, outcomes.answered) == []
        packages = account_packages(base, key)
        # A connection reset before the server read the request may happen to any HTTP/1.1
        # server (a keep-alive connection closed as the next request goes out); a create
        # that was carried out and then not answered is one the shutdown cut off.
        made_but_unanswered = [
            package["name"]
            for package in packages
            if package["name"] in sent_under_load and package["name"] not in answered
        ]
        assert made_but_unanswered == []
        assert whole_problems(base, key, packages, outcomes.sent) == []
        assert verify_problems(store_url) == []


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("signalled", ["server", "group"])
def test_sigterm_finishes_a_request_in_flight_and_refuses_new_connections_at_once(
    store_url: str, workers: int, signalled: str, tmp_path: Path
) -> None:
    """``group``: every process of the server gets the signal at once, as from a service
    manager stopping its unit, or Ctrl-C in a terminal."""
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"  # kept for a failing run
    body = package_body()
    with server_process(store_url, workers=workers, env=SHUTDOWN_ENV, log=log) as (base, server):
        with slow_create(base, key, body) as answers:
            if signalled == "group":
                os.killpg(server.pid, signal.SIGTERM)
            else:
                server.send_signal(signal.SIGTERM)
            refusal = new_connection_refusal(base)
        server.wait(timeout=EXIT_SECONDS)

    assert [getattr(answer, "status_code", answer) for answer in answers] == [201]
    # The projection stops last: a command answered during the drain is in the read model.
    assert [answer.headers.get("X-Read-Model-Stale") for answer in answers] == [None]
    assert server.returncode in (0, -signal.SIGTERM)
    # The README: "new connections are refused at once". Accepted and left waiting, a new
    # request cannot tell whether it was carried out.
    assert refusal is None, refusal


@contextmanager
def slow_create(
    base: str, key: IssuedKey, body: dict[str, object]
) -> Iterator[list[httpx.Response | httpx.TransportError]]:
    """A create whose body is sent in two halves: the request is in flight (headers read,
    the body not complete) until the block ends; its answer (or error) is in the list."""
    encoded = json.dumps(body).encode()
    halfway, finish = threading.Event(), threading.Event()
    answers: list[httpx.Response | httpx.TransportError] = []

    def chunks() -> Iterator[bytes]:
        yield encoded[: len(encoded) // 2]
        halfway.set()
        finish.wait(20)
        yield encoded[len(encoded) // 2 :]

    def send() -> None:
        headers = {**key.headers, "Content-Type": "application/json"}
        try:
            answers.append(
                httpx.post(f"{base}{PACKAGES}", content=chunks(), headers=headers, timeout=30)
            )
        except httpx.TransportError as error:
            answers.append(error)

    sending = threading.Thread(target=send, daemon=True)
    sending.start()
    try:
        assert halfway.wait(10), "the first half of the body was not sent"
        time.sleep(0.5)  # the server has read the headers and started the request
        yield answers
    finally:
        finish.set()
        sending.join(timeout=30)


def new_connection_refusal(base: str, within: float = 3.0) -> str | None:
    """None once a new connection is refused within ``within`` seconds of the signal; else
    what the last attempt met instead. (One that connected in the instant the server stopped
    listening may be reset; it is the attempts after it that tell.)"""
    deadline = time.monotonic() + within
    met = "no attempt"
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base}/livez", timeout=1)
        except httpx.ConnectError:
            return None
        except httpx.TransportError as error:
            met = f"a new connection during shutdown was accepted, then: {error!r}"
        else:
            met = f"new connections were still answered ({answer.status_code}) after SIGTERM"
        time.sleep(0.05)
    return met
