"""Concurrent clients creating packages over HTTP, keeping every body sent and its outcome."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx

from tests.support.builders import function_body, package_body, unique_name
from tests.support.keys import IssuedKey

PACKAGES = "/v2/faas/packages"
REVISIONS = "/v2/faas/package-revisions"
STALE_HEADER = "x-read-model-stale"
# Enough packages per account that the limit never answers a load test.
LOAD_ENV = {"FAAS_MAX_PACKAGES_PER_ACCOUNT": "1000000"}


def load_body() -> dict[str, Any]:
    """A create with a named first revision and three functions, each with its own code."""
    functions = [
        function_body(code=f"export default () => {index};", config={"path": f"p/{index}"})
        for index in range(3)
    ]
    return package_body(functions=functions, revisionName=unique_name("rev"))


def unavailable_problem(response: httpx.Response) -> str | None:
    """Why a 503 is not the documented one (``FAAS-503`` with ``Retry-After``), or None."""
    codes = [error.get("code") for error in response.json().get("errors", [])]
    if codes != ["FAAS-503"] or not response.headers.get("retry-after"):
        return f"malformed 503: {codes} {dict(response.headers)}"
    return None


@dataclass(frozen=True)
class Answer:
    """A create answered 201: what was sent, what came back, and whether the answer said the
    read model had not caught up with it yet."""

    body: dict[str, Any]
    data: dict[str, Any]
    stale: bool


@dataclass
class Outcomes:
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # every body, by name
    answered: list[Answer] = field(default_factory=list)
    unanswered: list[dict[str, Any]] = field(default_factory=list)  # sent; connection lost
    unavailable: list[dict[str, Any]] = field(default_factory=list)  # a proper 503
    failures: list[str] = field(default_factory=list)  # any other answer
    reads: dict[int, int] = field(default_factory=dict)  # read-back status -> count
    refused: int = 0  # connections refused: nothing was sent


class CreateLoad:
    """``clients`` threads creating packages until stopped. A 503 counts as a failure unless
    ``unavailable_allowed``; with ``read_back`` each created package is read once."""

    def __init__(
        self,
        base: str,
        key: IssuedKey,
        *,
        clients: int = 8,
        unavailable_allowed: bool = False,
        read_back: bool = False,
    ) -> None:
        self.base = base
        self.key = key
        self.unavailable_allowed = unavailable_allowed
        self.read_back = read_back
        self.outcomes = Outcomes()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def __enter__(self) -> CreateLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self, timeout: float = 40) -> Outcomes:
        """Stop the clients (each finishes the request it is in) and return the outcomes."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = sum(thread.is_alive() for thread in self._threads)
        assert not stuck, f"{stuck} client(s) still waiting for an answer after {timeout} s"
        return self.outcomes

    def wait_for_answers(self, count: int, timeout: float, *, fresh: bool = False) -> None:
        """Block until ``count`` more creates were answered 201 (with ``fresh``: answered
        without ``X-Read-Model-Stale``, so the read model is moving)."""
        start = len(self.outcomes.answered)
        deadline = time.monotonic() + timeout
        while True:
            new = self.outcomes.answered[start:]
            done = sum(not answer.stale for answer in new) if fresh else len(new)
            if done >= count:
                return
            assert time.monotonic() < deadline, (
                f"fewer than {count} {'fresh ' if fresh else ''}creates in {timeout} s; "
                f"{self.summary()}"
            )
            time.sleep(0.02)

    def wait_for_unavailable(self, count: int, timeout: float) -> None:
        """Block until ``count`` more creates were answered with a proper 503."""
        target = len(self.outcomes.unavailable) + count
        deadline = time.monotonic() + timeout
        while len(self.outcomes.unavailable) < target:
            assert time.monotonic() < deadline, (
                f"fewer than {count} creates answered 503 in {timeout} s; {self.summary()}"
            )
            time.sleep(0.02)

    def summary(self) -> str:
        """The outcomes so far, in one line for an assertion message."""
        outcomes = self.outcomes
        return (
            f"answered {len(outcomes.answered)} ({sum(a.stale for a in outcomes.answered)} "
            f"stale), 503 {len(outcomes.unavailable)}, unanswered {len(outcomes.unanswered)}, "
            f"refused {outcomes.refused}, last failures {outcomes.failures[-3:]}"
        )

    def _client(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.key.headers, timeout=30) as client:
            while not self._stop.is_set():
                body = load_body()
                with self._lock:
                    self.outcomes.sent[body["name"]] = body
                try:
                    response = client.post(PACKAGES, json=body)
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    with self._lock:
                        self.outcomes.refused += 1
                    self._stop.wait(0.05)
                    continue
                except httpx.TransportError:
                    with self._lock:
                        self.outcomes.unanswered.append(body)
                    self._stop.wait(0.05)
                    continue
                self._record(client, body, response)

    def _record(self, client: httpx.Client, body: dict[str, Any], response: httpx.Response) -> None:
        if response.status_code == 201:
            answer = Answer(body, response.json()["data"], STALE_HEADER in response.headers)
            with self._lock:
                self.outcomes.answered.append(answer)
            if self.read_back:
                self._read(client, answer)
            return
        if response.status_code == 503 and self.unavailable_allowed:
            problem = unavailable_problem(response)
        else:
            problem = f"create answered {response.status_code}: {response.text[:300]}"
        with self._lock:
            if problem is None:
                self.outcomes.unavailable.append(body)
            else:
                self.outcomes.failures.append(problem)
        self._stop.wait(0.05)

    def _read(self, client: httpx.Client, answer: Answer) -> None:
        try:
            response = client.get(f"{PACKAGES}/{answer.data['id']}")
        except httpx.TransportError:
            return
        status = response.status_code
        problem = None
        if status == 503 and self.unavailable_allowed:
            problem = unavailable_problem(response)
        elif status != 200 and not (status == 404 and answer.stale):
            problem = f"read of a created package answered {status}: {response.text[:300]}"
        with self._lock:
            self.outcomes.reads[status] = self.outcomes.reads.get(status, 0) + 1
            if problem:
                self.outcomes.failures.append(problem)
