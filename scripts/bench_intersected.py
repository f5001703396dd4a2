"""Benchmark: intersected deployments on a keyset of a busy account (many deployments on its
other keysets) against the same query on an account with nothing else; reports each
query's median and 90th percentile, and their ratio.

    python -m scripts.bench_intersected                           # a fresh PostgreSQL database
    python -m scripts.bench_intersected --database-url sqlite:///var/bench-intersected.sqlite3

Seeding writes many commands' events per transaction, so it takes seconds. The database made
for a PostgreSQL run is dropped afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial
from uuid import UUID

from commands.context import CommandContext, Limits
from commands.handlers.deployments import CreateDeployment, create_deployment
from commands.handlers.packages import CreatePackage, create_package
from commands.memory import InMemoryUnitOfWork
from commands.package import FunctionSpec
from projections.intersected import intersected
from scripts.bench_rebuild import add_store_arguments, run_on_store, settle
from service.bootstrap import Container, bootstrap
from service.settings import Settings
from service.wire.common import now_to_the_millisecond

BUSY, QUIET = 1, 2
TARGET_KEYSET = 42
CHANNELS = ["chat.*", "chat.room1", "news.eu"]
KEYSETS_PER_REVISION = 25  # within the 30 deployments a revision may have
FUNCTIONS = tuple(
    FunctionSpec(f"fn{i}", "BEFORE_PUBLISH", "export default (m) => m.ok();", i, config)
    for i, config in enumerate(
        [{"inputChannel": "chat.*"}, {"inputChannel": "chat.room1"}, {"inputChannel": "news.*"}]
    )
)


def seed(container: Container, account: int, plan: list[tuple[int, list[int]]]) -> None:
    """For each (n, keysets) of ``plan``, n packages of ``account`` each deployed on every
    one of ``keysets``."""
    context = CommandContext(account, "bench", f"bench-{account}", now_to_the_millisecond())
    limits = Limits(packages_per_account=10**6)
    create = partial(create_package, limits=limits)
    deploy = partial(create_deployment, limits=limits)
    uow = InMemoryUnitOfWork(context)
    number = 0
    for packages, keysets in plan:
        for _ in range(packages):
            package = uow.run(create, CreatePackage(f"bench-{account}-{number}", FUNCTIONS))
            (revision_id,) = package.revisions
            for keyset in keysets:
                uow.run(deploy, CreateDeployment(UUID(revision_id), keyset))
            number += 1
            if number % 50 == 0:
                container.store.events.put(uow.take_events())
    container.store.events.put(uow.take_events())


def timings(container: Container, account: int, rounds: int) -> list[float]:
    query = partial(intersected, container.database, account, TARGET_KEYSET, CHANNELS, None)
    found = query()
    assert [item.channel for item in found] == CHANNELS
    for _ in range(rounds // 10):
        query()  # warm
    measured = []
    for _ in range(rounds):
        started = time.perf_counter()
        query()
        measured.append(time.perf_counter() - started)
    return measured


def report(name: str, measured: list[float]) -> float:
    median = statistics.median(measured)
    p90 = statistics.quantiles(measured, n=10)[-1]
    print(f"{name:<48} median {median * 1000:7.3f} ms   p90 {p90 * 1000:7.3f} ms")
    return median


def run(url: str, args: argparse.Namespace) -> None:
    container = bootstrap(Settings(database_url=url, projection_batch_size=5000))
    try:
        others = [1000 + i for i in range(KEYSETS_PER_REVISION)]
        busy_packages = -(-args.deployments // KEYSETS_PER_REVISION)
        started = time.perf_counter()
        seed(container, BUSY, [(busy_packages, others), (args.on_keyset, [TARGET_KEYSET])])
        seed(container, QUIET, [(args.on_keyset, [TARGET_KEYSET])])
        container.projector.catch_up()
        settle(url)
        print(
            f"seeded {busy_packages * KEYSETS_PER_REVISION:,} deployments on other keysets "
            f"and {args.on_keyset} on keyset {TARGET_KEYSET} of each account in "
            f"{time.perf_counter() - started:.1f} s; channels {CHANNELS}"
        )

        busy = report(
            "busy account (the other keysets' deployments)", timings(container, BUSY, args.rounds)
        )
        quiet = report(
            "quiet account (nothing but that keyset)", timings(container, QUIET, args.rounds)
        )
        print(f"ratio busy / quiet: {busy / quiet:.2f}")
    finally:
        container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=10_000)
    parser.add_argument("--on-keyset", type=int, default=5, help="deployments on the keyset")
    parser.add_argument("--rounds", type=int, default=500)
    add_store_arguments(parser)
    args = parser.parse_args()
    run_on_store(args, run)


if __name__ == "__main__":
    main()
