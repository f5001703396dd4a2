"""Benchmark: what checking an API key costs a request (the ``authenticate`` step alone).

    python -m scripts.bench_auth [--calls 100000] [--database-url sqlite:///var/bench.sqlite3]

Makes a key in the given store (a scratch SQLite file by default), then times the check of
a request carrying it, one call at a time, and prints the median and the 99th percentile.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

from starlette.requests import Request

from commands.handlers.keys import IssueApiKey
from commands.keys import PACKAGE_READ, Grant
from scripts.keys_commands import cli_context
from service.auth import authenticate
from service.bootstrap import bootstrap
from service.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        container = bootstrap(Settings(database_url=url))
        try:
            issue = IssueApiKey("bench", (Grant(PACKAGE_READ),))
            plain = container.commands.run(issue, cli_context(1)).value.plain
            container.keys.refresh()
            timings = asyncio.run(measure(container.keys, plain, args.calls))
        finally:
            container.close()
    median = statistics.median(timings) / 1000
    p99 = statistics.quantiles(timings, n=100)[98] / 1000
    print(f"key check: median {median:.1f} µs, p99 {p99:.1f} µs over {args.calls:,} calls")


async def measure(keys: object, plain: str, calls: int) -> list[int]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/v2/faas/packages",
        "headers": [(b"authorization", f"Bearer {plain}".encode())],
    }
    timings = []
    for _ in range(calls):
        request = Request(scope)
        started = time.perf_counter_ns()
        await authenticate(request, keys)  # type: ignore[arg-type]
        timings.append(time.perf_counter_ns() - started)
    return timings


if __name__ == "__main__":
    main()
