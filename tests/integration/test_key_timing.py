"""Refusing a key takes as long whether its id is unknown or its secret is wrong: the time
tells an attacker nothing about which key ids exist."""

from __future__ import annotations

import asyncio
import statistics
import time
from uuid import uuid4

from starlette.requests import Request

from service.auth import authenticate
from service.bootstrap import Container
from service.errors import ApiError
from tests.support.keys import issue_key

SAMPLES = 3000
# The two paths must agree well within this factor; a path that did extra work (a thread
# hop, a query, a second hash) took several times as long.
AGREEMENT = 1.5


def _request(header: str) -> Request:
    return Request({"type": "http", "headers": [(b"authorization", header.encode())]})


async def _median_refusal_times(container: Container, headers: list[str]) -> list[float]:
    requests = [_request(header) for header in headers]
    times: list[list[int]] = [[] for _ in headers]
    for _ in range(SAMPLES):
        for index, request in enumerate(requests):  # interleaved: drift hits both alike
            started = time.perf_counter_ns()
            try:
                await authenticate(request, container.keys)
            except ApiError:
                pass
            else:
                raise AssertionError("a bad key was accepted")
            times[index].append(time.perf_counter_ns() - started)
    return [statistics.median(samples) for samples in times]


def test_an_unknown_key_id_and_a_wrong_secret_take_the_same_time(container: Container) -> None:
    key = issue_key(container)
    key_id_hex, secret = key.plain.removeprefix("faaspk_").split("_", 1)
    wrong_secret = f"faaspk_{key_id_hex}_{'A' * 43 if secret != 'A' * 43 else 'B' * 43}"
    unknown_id = f"faaspk_{uuid4().hex}_{secret}"

    unknown, wrong = asyncio.run(_median_refusal_times(container, [unknown_id, wrong_secret]))

    assert max(unknown, wrong) / min(unknown, wrong) < AGREEMENT, (unknown, wrong)
