"""Benchmark: ``faas-packages replay`` to JSON lines over a log of N events.

    python -m scripts.bench_replay --events 200000        # a fresh PostgreSQL database

Seeds the log (many packages per transaction), then runs the real command as a subprocess
with its output going to /dev/null, and reports events/s (start-up included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from scripts.bench_rebuild import EVENTS_PER_PACKAGE, fresh_postgres, seed, settle
from service.bootstrap import bootstrap
from service.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    with fresh_postgres(args.postgres_admin_url) as url:
        container = bootstrap(Settings(database_url=url))
        try:
            seed(container, args.events // EVENTS_PER_PACKAGE)
            events = container.projector.log.head()
        finally:
            container.close()
        settle(url)
        started = time.perf_counter()
        with open(os.devnull, "wb") as sink:
            subprocess.run(
                [sys.executable, "-m", "scripts.cli", "replay", "--json"],
                env={**os.environ, "FAAS_DATABASE_URL": url, "FAAS_LOG_LEVEL": "WARNING"},
                stdout=sink,
                check=True,
            )
        elapsed = time.perf_counter() - started
        rate = events / elapsed
        print(f"replay --json: {events:,} events in {elapsed:.2f} s = {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
