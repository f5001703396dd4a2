"""Benchmark: rebuild the read model from a log of N events; reports events/s and memory.

    python -m scripts.bench_rebuild --events 200000            # a fresh PostgreSQL database
    python -m scripts.bench_rebuild --database-url sqlite:///var/bench.sqlite3

Seeding writes many packages per transaction, so it takes seconds, not minutes. The database
made for a PostgreSQL run is dropped afterwards.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from uuid import uuid4

import psycopg
from psycopg import sql

from commands.context import CommandContext, Limits
from commands.handlers.packages import CreatePackage, create_package
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from projections.rebuild import cyclic_gc_paused, rebuild
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from service.wire.common import now_to_the_millisecond

# PackageCreated, RevisionAdded, FunctionsRegistered, PackageNameClaimed, EntityLocated and
# AccountUsageChanged (tests/integration/test_bench_seeding.py checks the count).
EVENTS_PER_PACKAGE = 6
PACKAGES_PER_SAVE = 200


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    name = f"faas_bench_{uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """``--database-url`` (default: a fresh PostgreSQL database made beside
    ``--postgres-admin-url``, dropped at the end)."""
    parser.add_argument("--database-url", help="default: a fresh PostgreSQL database")
    parser.add_argument("--postgres-admin-url", default="postgresql://postgres@127.0.0.1/postgres")


def run_on_store(args: argparse.Namespace, run: Callable[[str, argparse.Namespace], None]) -> None:
    """``run`` on the store ``add_store_arguments`` named."""
    if args.database_url:
        run(args.database_url, args)
    else:
        with fresh_postgres(args.postgres_admin_url) as url:
            run(url, args)


def seed(container: Container, packages: int) -> None:
    context = CommandContext(1, "bench", "bench-seed", now_to_the_millisecond())
    functions = tuple(
        FunctionSpec(f"fn{i}", "ON_REQUEST", "export default () => 1;" * 8, i, {"path": f"p{i}"})
        for i in range(2)
    )
    create = partial(create_package, limits=Limits(packages_per_account=packages))
    uow = InMemoryUnitOfWork(context)
    # The unit of work keeps every package it made: millions of objects, which a full pass of
    # the cyclic collector took seconds to walk, at times inside a save's transaction, where
    # PostgreSQL ends a session idle for 5 s (seeding 3 million events failed that way).
    with cyclic_gc_paused():
        for start in range(0, packages, PACKAGES_PER_SAVE):
            for number in range(start, min(start + PACKAGES_PER_SAVE, packages)):
                uow.run(create, CreatePackage(f"bench-{number}", functions, tags=("bench",)))
            container.store.events.put(uow.take_events())


def settle(url: str) -> None:
    """Let PostgreSQL vacuum and analyse the fresh log now, not in the middle of the run
    (a log in real use is old, vacuumed and analysed)."""
    if url.startswith("postgres"):
        with psycopg.connect(_conninfo(url), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
            connection.execute("CHECKPOINT")


def _conninfo(url: str) -> str:
    from service.store import library_env

    env = library_env(url, timeout_seconds=5)
    return psycopg.conninfo.make_conninfo(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    add_store_arguments(parser)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    run_on_store(args, run)


def run(url: str, args: argparse.Namespace) -> None:
    settings = Settings(database_url=url)
    container = bootstrap(settings)
    try:
        packages = args.events // EVENTS_PER_PACKAGE
        started = time.perf_counter()
        seed(container, packages)
        seeded = time.perf_counter() - started
        settle(url)
        events = container.projector.log.head()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"seeded {events:,} events in {seeded:.1f} s; peak RSS {rss_before / 1024:.0f} MiB")
        started = time.perf_counter()
        result = rebuild(container.projector, page_size=args.batch_size)
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"rebuild: {result.events_replayed:,} events in {elapsed:.2f} s = "
            f"{result.events_replayed / elapsed:,.0f} events/s "
            f"(batch {args.batch_size}); peak RSS {rss_after / 1024:.0f} MiB"
        )
    finally:
        container.close()


if __name__ == "__main__":
    main()
