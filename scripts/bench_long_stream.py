"""Benchmark: commands on a package with a long history (a deployment started and stopped
N times), with the package's and the account's snapshots and without them.

    python -m scripts.bench_long_stream [--events 100000]

A fresh PostgreSQL database is seeded in bulk (the commands decided in memory, their events
saved many to a transaction). Each measurement runs in a new process, so that nothing is kept
from an earlier command: its first start or stop reads the streams from the store (cold), the
next ones from the aggregates the process kept (warm). Measured first with no snapshot, then
with the snapshots the service takes (every 50 events of a package, 100 of an account's
usage), the newest some events behind the head as they would be; then with those ``import`` takes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.domain import Snapshot

from commands.context import CommandContext, Limits
from commands.handlers import handlers
from commands.handlers.deployments import CreateDeployment, StartDeployment, StopDeployment
from commands.handlers.packages import CreatePackage
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from commands.streams import snapshot_long_streams
from commands.usage import AccountUsage
from scripts.bench_rebuild import fresh_postgres, settle
from service.bootstrap import bootstrap
from service.settings import Settings
from service.wire.common import now_to_the_millisecond

ACCOUNT = 1
SAVE_EVERY = 5000
# Events of each stream after its newest snapshot: half an interval, on average.
BEHIND = 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="starts and stops")
    parser.add_argument("--commands", type=int, default=20, help="warm commands measured")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1/postgres")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "DEPLOYMENT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], UUID(args.measure[1]), args.commands)
        return
    with fresh_postgres(args.postgres_admin_url) as url:
        started = time.perf_counter()
        deployment, snapshots = seed(url, args.events)
        settle(url)
        print(f"seeded {args.events:,} starts and stops in {time.perf_counter() - started:.0f} s")
        for label in ("without snapshots", "with snapshots", "with the snapshots import takes"):
            if label == "with snapshots":
                put_snapshots(url, snapshots)
            if label.startswith("with the snapshots import"):
                snapshot_anew(url)
            print(f"{label}:", flush=True)
            run = [sys.executable, "-m", "scripts.bench_long_stream", "--measure", url]
            subprocess.run([*run, str(deployment), "--commands", str(args.commands)], check=True)


def seed(url: str, events: int) -> tuple[UUID, list[Any]]:
    """A package with one deployment, started and stopped ``events`` times in all; the
    snapshots the service would hold of the package and the usage, taken ``BEHIND`` events
    before the end."""
    container = bootstrap(Settings(database_url=url))
    uow = InMemoryUnitOfWork(CommandContext(ACCOUNT, "bench", "bench", now_to_the_millisecond()))
    function = FunctionSpec("fn", "ON_REQUEST", "export default () => 1;", 0, {"path": "p"})
    package = decide(uow, CreatePackage("long-lived", (function,)))
    (revision,) = package.revisions
    deployment = UUID(decide(uow, CreateDeployment(UUID(revision), 1)).deployment_ids[0])
    snapshots: list[Any] = []
    for number in range(events // 2):
        decide(uow, StartDeployment(deployment))
        decide(uow, StopDeployment(deployment))
        if number == events // 2 - BEHIND:
            usage = uow.aggregates[AccountUsage.id_for(ACCOUNT)]
            snapshots = [Snapshot.take(uow.aggregates[package.id]), Snapshot.take(usage)]
        if len(uow.events) >= SAVE_EVERY:
            container.store.events.put(uow.take_events())
    container.store.events.put(uow.take_events())
    container.close()
    return deployment, snapshots


def decide(uow: InMemoryUnitOfWork, command: Any) -> Any:
    return uow.run(handlers(Limits())[type(command)].handle, command)


def put_snapshots(url: str, snapshots: list[Any]) -> None:
    container = bootstrap(Settings(database_url=url))
    assert container.store.snapshots is not None
    container.store.snapshots.put(snapshots)
    container.close()


def snapshot_anew(url: str) -> None:
    """Drop every snapshot, then snapshot the long streams as ``faas-packages import`` does."""
    container = bootstrap(Settings(database_url=url))
    recorder: Any = container.store.snapshots.recorder  # type: ignore[union-attr]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {recorder.events_table_name}")
    started = time.perf_counter()
    taken = snapshot_long_streams(container.store)
    print(f"  (import's snapshots: {taken} streams in {time.perf_counter() - started:.1f} s)")
    container.close()


def measure(url: str, deployment: UUID, commands: int) -> None:
    container = bootstrap(Settings(database_url=url))
    context = CommandContext(ACCOUNT, "bench", "bench", now_to_the_millisecond())
    try:
        timings = []
        for number in range(commands + 1):
            command = StartDeployment if number % 2 == 0 else StopDeployment
            started = time.perf_counter()
            container.commands.run(command(deployment), context)
            timings.append((time.perf_counter() - started) * 1000)
        warm = statistics.median(timings[1:])
        print(f"  first command (cold) {timings[0]:,.1f} ms; then median {warm:.1f} ms")
    finally:
        container.close()


if __name__ == "__main__":
    main()
