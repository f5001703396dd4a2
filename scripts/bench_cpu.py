"""Benchmark: the CPU a create costs, part by part, from each thread's own clock.

    python -m scripts.bench_cpu [--creates 6000] [--concurrency 32] [--json]

The service's app runs in this process on a fresh PostgreSQL database, with its projection in
a thread, and is sent creates through ASGI (no HTTP server, no load generator), ``--concurrency``
at a time. Each part is the CPU of its threads over the measured creates: the event loop (the
app's handling of a request: the key, validation, handing the command over, waiting for the
read model, the answer), the writer (deciding, the events, the transaction), the projection
(reading the log, writing rows) and the other threads; PostgreSQL's own CPU is not counted.

It shows where a create's time goes. To compare two versions of the code, run it on each in
turn, several times: a virtual machine's speed drifts from minute to minute, and with it the CPU
that the same work takes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from starlette.types import ASGIApp, Message, Scope

from scripts.bench_generator import NAME_SLOT
from scripts.bench_load import DEFAULT_ADMIN_URL, NO_PACKAGE_LIMIT, PATH, create_body, make_keys
from scripts.bench_rebuild import fresh_postgres
from service.app import create_app
from service.settings import Settings

WARMUP_CREATES_PER_TASK = 50
LOOP, WRITER, PROJECTION, OTHER = "event loop", "writer", "projection", "other threads"
THREAD_PARTS = {"writer": WRITER, "projection": PROJECTION}


@dataclass(frozen=True)
class Measured:
    creates: int
    seconds: float
    cpu_us: dict[str, float]  # per create, by part

    def as_json(self) -> dict[str, Any]:
        return {
            "creates": self.creates,
            "seconds": round(self.seconds, 3),
            "cpu_us_per_create": {part: round(us, 1) for part, us in self.cpu_us.items()},
            "total_us_per_create": round(sum(self.cpu_us.values()), 1),
        }


def measure(database_url: str, creates: int, concurrency: int) -> Measured:
    """Warm the app up, then time ``creates`` creates (rounded down to whole rounds)."""
    key = make_keys(database_url, 1)[0]
    settings = Settings(
        database_url=database_url,
        max_packages_per_account=int(NO_PACKAGE_LIMIT),
        log_level="WARNING",
    )
    return asyncio.run(_measure(settings, key, creates // concurrency, concurrency))


async def _measure(settings: Settings, key: str, per_task: int, tasks: int) -> Measured:
    app = create_app(settings)
    async with _Lifespan(app):
        send = _creates(app, key)
        await asyncio.gather(*(send(f"w{t}", WARMUP_CREATES_PER_TASK) for t in range(tasks)))
        before, started = _thread_cpu(), time.monotonic()
        await asyncio.gather(*(send(f"m{t}", per_task) for t in range(tasks)))
        after, seconds = _thread_cpu(), time.monotonic() - started
    creates = per_task * tasks
    cpu_us = dict.fromkeys((LOOP, WRITER, PROJECTION, OTHER), 0.0)
    for (ident, part), seconds_used in after.items():
        cpu_us[part] += (seconds_used - before.get((ident, part), 0.0)) * 1e6 / creates
    return Measured(creates, seconds, cpu_us)


def _creates(app: ASGIApp, key: str) -> Callable[[str, int], Awaitable[None]]:
    template = create_body()
    headers = [
        (b"authorization", key.encode()),
        (b"content-type", b"application/json"),
        (b"host", b"127.0.0.1"),
    ]
    run = uuid4().hex[:8]

    async def one(name: str) -> None:
        body = template.replace(NAME_SLOT, name).encode()
        received = False
        statuses: list[int] = []

        async def receive() -> Message:
            nonlocal received
            if not received:
                received = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never leaves
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(_scope(headers), receive, send)
        if statuses != [201]:
            raise RuntimeError(f"a create answered {statuses}, not 201")

    async def send_creates(task: str, count: int) -> None:
        for number in range(count):
            await one(f"cpu-{run}-{task}-{number}")

    return send_creates


def _scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


class _Lifespan:
    """The app's start (the store opened, the projection started) and its end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def __aenter__(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self._step("startup")

    async def __aexit__(self, *exc_info: object) -> None:
        await self._step("shutdown")
        await self.task

    async def _step(self, step: str) -> None:
        await self.inbox.put({"type": f"lifespan.{step}"})
        answer = await self.outbox.get()
        if answer["type"] != f"lifespan.{step}.complete":
            raise RuntimeError(f"the app's {step} failed: {answer.get('message', answer)}")


def _thread_cpu() -> dict[tuple[int, str], float]:
    """Each live thread's CPU seconds, by thread and part."""
    used: dict[tuple[int, str], float] = {}
    for thread in threading.enumerate():
        if thread.ident is None:
            continue
        part = LOOP if thread is threading.main_thread() else THREAD_PARTS.get(thread.name, OTHER)
        try:
            clock = time.pthread_getcpuclockid(thread.ident)
            used[thread.ident, part] = time.clock_gettime(clock)
        except (OSError, ProcessLookupError):
            continue  # it ended meanwhile
    return used


def print_measured(measured: Measured, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(measured.as_json()))
        return
    total = sum(measured.cpu_us.values())
    print(
        f"{measured.creates} creates in {measured.seconds:.1f} s; CPU per create, by part "
        "(PostgreSQL's own not counted):"
    )
    for part, us in measured.cpu_us.items():
        print(f"  {part:<14} {us:8.1f} µs  {us / total:6.1%}")
    print(f"  {'in all':<14} {total:8.1f} µs")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=6000, help="creates measured")
    parser.add_argument("--concurrency", type=int, default=32, help="creates in flight at once")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_ADMIN_URL,
        help=f"PostgreSQL admin URL; a fresh database is made beside it, and dropped "
        f"(default {DEFAULT_ADMIN_URL})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.creates < args.concurrency or args.concurrency < 1:
        parser.error("--creates must be at least --concurrency, which must be at least 1")
    logging.disable(logging.WARNING)  # the measured creates must not pay for log lines
    with fresh_postgres(args.database_url) as url:
        measured = measure(url, args.creates, args.concurrency)
    print_measured(measured, as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
