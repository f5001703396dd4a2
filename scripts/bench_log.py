"""Benchmark: the whole log on PostgreSQL: export, import, notarizing and ``verify-log``, in
events/s, with the memory each takes.

    python -m scripts.bench_log [--events 200000]

A fresh PostgreSQL database is seeded (in a process of its own, so that its memory is not
counted) with packages made the way commands make them; it is exported to a file, the file
imported into a second fresh database; then the first is notarized and verified against its
notary. Both databases are dropped afterwards.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commands.export import export_log, import_log
from projections.log_verification import verify_log
from scripts.bench_rebuild import fresh_postgres, seed, settle
from service.bootstrap import bootstrap
from service.settings import Settings

EVENTS_PER_CREATE = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--seed", help=argparse.SUPPRESS)  # the seeding process's own URL
    args = parser.parse_args()
    if args.seed:
        container = bootstrap(Settings(database_url=args.seed))
        seed(container, args.events // EVENTS_PER_CREATE)
        container.close()
        return
    with (
        fresh_postgres(args.postgres_admin_url) as source,
        fresh_postgres(args.postgres_admin_url) as target,
        tempfile.TemporaryDirectory() as folder,
    ):
        run(source, target, Path(folder) / "export.jsonl", args)


def run(source: str, target: str, file: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "scripts.bench_log", "--seed", source, "--events", str(args.events)],
        check=True,
    )
    settle(source)
    print(f"seeded in {time.perf_counter() - started:.1f} s")
    with _opened(source) as container, open(file, "wb") as out:
        exported = measured(
            "export", lambda: export_log(container.store.recorder, out, "2026-01-15T10:30:00Z")
        )
    print(f"  file: {file.stat().st_size / 2**20:,.0f} MiB")
    with _opened(target) as container, open(file, "rb") as lines:
        imported = measured("import", lambda: import_log(container.store.recorder, lines))
    assert (exported.events, exported.sha256) == (imported.events, imported.sha256)
    with _opened(source) as container:
        head = container.notary.catch_up
        measured("notarize", lambda: _counted(head(), exported.events))
        database, log = container.database, container.projector.log
        verified = measured("verify-log", lambda: verify_log(database, log))
    assert verified.intact
    assert verified.events == exported.events


def _counted(_: object, events: int) -> Any:
    return argparse.Namespace(events=events)


def measured(name: str, step: Callable[[], Any]) -> Any:
    """Run ``step`` (whose result has ``events``), and print its rate and memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = step()
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{name}: {result.events:,} events in {elapsed:.2f} s = {result.events / elapsed:,.0f} "
        f"events/s; peak RSS {peak / 1024:.0f} MiB (+{(peak - before) / 1024:.0f} MiB)"
    )
    return result


class _opened:
    def __init__(self, url: str) -> None:
        self.container = bootstrap(Settings(database_url=url))

    def __enter__(self) -> Any:
        return self.container

    def __exit__(self, *_: object) -> None:
        self.container.close()


if __name__ == "__main__":
    main()
