"""Benchmark: creates/s, GETs/s and their latency under load, against two baselines.

    python -m scripts.bench_load [--workers 2] [--connections 64] [--duration 10] [--json]
    faas-packages bench ...                                      # the same

In one run, on a fresh PostgreSQL database (dropped at the end) and over loopback only:
the ceiling (Starlette + msgspec decode, no store), plain CRUD (the normalised rows in one
psycopg transaction) and the service itself (``faas-packages serve``, projection inline), each
with the same uvicorn workers, the same create body and the same GETs, driven by wrk (two
threads; the asyncio client when wrk is missing). Then rebuild and replay over the events the
creates wrote. Exit status 1 when any request got an unexpected answer.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NoReturn
from uuid import uuid4

import psycopg

from commands.context import CommandContext
from commands.handlers.keys import IssueApiKey
from commands.keys import PACKAGE_READ, PACKAGE_WRITE, Grant
from projections.rebuild import rebuild
from scripts import arguments
from scripts.bench_baselines import CRUD_URL_VARIABLE, create_crud_tables
from scripts.bench_generator import (
    NAME_SLOT,
    LoadResult,
    LoadSpec,
    generator_name,
    preflight,
    run_load,
)
from scripts.bench_rebuild import fresh_postgres, settle
from scripts.bench_report import Report, print_report
from scripts.bench_servers import (
    ROOT,
    BenchError,
    baseline_command,
    environment,
    fetch,
    service_command,
    serving,
)
from scripts.usage import CommandParser
from service.bootstrap import bootstrap
from service.settings import Settings
from service.wire.common import now_to_the_millisecond

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PATH = "/v2/faas/packages"
WARMUP_SECONDS = 1  # before phases of 5 s or more: connections, pools and lazy imports
GET_TARGETS = 1000
NO_PACKAGE_LIMIT = "1000000000"  # the per-account limit (1,000) would stop the creates
CODE = (
    "export default async (request, response) => {\n"
    "  const db = require('kvstore');\n"
    "  const name = request.params.name || 'world';\n"
    "  const count = (await db.get('greetings')) || 0;\n"
    "  await db.set('greetings', count + 1);\n"
    "  return response.send({ greeting: `hello ${name}`, count: count + 1 });\n"
    "};\n"
)


def create_body() -> str:
    """The create body of every phase: one small ON_REQUEST function; the name varies."""
    function = {"name": "greet", "type": "ON_REQUEST", "code": CODE, "config": {"path": "greet"}}
    body = {
        "name": NAME_SLOT,
        "description": "a package made by the load benchmark",
        "tags": ["bench", "load"],
        "functions": [function],
    }
    return json.dumps(body, separators=(",", ":"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's flags, shared by ``faas-packages bench``."""
    count = arguments.whole_number
    parser.add_argument("--workers", type=arguments.workers, default=2, help="uvicorn workers")
    parser.add_argument("--connections", type=count(1, 10_000), default=64, help="open connections")
    parser.add_argument(
        "--duration", type=count(1, 3600), default=10, help="seconds of load per phase"
    )
    parser.add_argument(
        "--accounts",
        type=count(1, 10_000),
        default=1,
        help="accounts (one key each) sharing the load",
    )
    parser.add_argument(
        "--rounds",
        type=count(1, 100),
        default=3,
        help="times every phase runs, in turn (ratios are the median of the rounds')",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_ADMIN_URL,
        help="PostgreSQL admin URL; a fresh database is made beside it, and dropped",
    )
    parser.add_argument("--skip-rebuild", action="store_true", help="skip rebuild and replay")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """Run every phase; 0 when every request got its expected answer, else 1."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        with fresh_postgres(args.database_url) as url:
            report = measure(url, args)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped, database dropped", file=sys.stderr)
        return 130
    print_report(report, as_json=args.json)
    return 1 if report.errors else 0


def measure(url: str, args: argparse.Namespace) -> Report:
    """Every phase, one server at a time, so the servers never compete for the CPU; all of
    them ``--rounds`` times in turn, so that each round compares the service with baselines
    measured minutes before it (a virtual machine's speed drifts from minute to minute)."""
    report = Report(args.workers, args.connections, args.duration, args.accounts, generator_name())
    tag = uuid4().hex[:8]
    body = create_body()
    create = LoadSpec("", PATH, 201, ("Bearer none",), args.connections, args.duration, tag, body)
    get = replace(create, expected_status=200, body_template="")
    random_ids = tuple((0, str(uuid4())) for _ in range(GET_TARGETS))
    create_crud_tables(url)
    crud_env = environment(**{CRUD_URL_VARIABLE: url})
    keys = make_keys(url, args.accounts)
    service_env = environment(FAAS_DATABASE_URL=url, FAAS_MAX_PACKAGES_PER_ACCOUNT=NO_PACKAGE_LIMIT)
    service_get = replace(get, authorizations=keys)
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"bench: round {number} of {args.rounds}", file=sys.stderr)
        # Names are unique per round too: the service refuses a name taken in an earlier one.
        round_create = replace(create, run_tag=f"{tag}-{number}")
        service_create = replace(round_create, authorizations=keys)
        with serving(baseline_command("ceiling_app", args.workers), environment()) as server:
            at = server.base_url
            report.add("ceiling_create", _phase(replace(round_create, base_url=at)), server)
            report.add("ceiling_get", _phase(replace(get, base_url=at, targets=random_ids)), server)
        with serving(baseline_command("crud_app", args.workers), crud_env) as server:
            at = server.base_url
            _checkpoint(url)
            report.add("crud_create", _phase(replace(round_create, base_url=at)), server)
            targets = _crud_targets(url)
            report.add("crud_get", _phase(replace(get, base_url=at, targets=targets)), server)
        with serving(service_command(args.workers), service_env) as server:
            at = server.base_url
            _checkpoint(url)
            report.add("service_create", _phase(replace(service_create, base_url=at)), server)
            targets = _service_targets(at, keys)
            report.add(
                "service_get", _phase(replace(service_get, base_url=at, targets=targets)), server
            )
    if not args.skip_rebuild:
        report.log["rebuild"] = _rebuild(url)
        report.log["replay"] = _replay(url)
    return report


def _phase(spec: LoadSpec) -> LoadResult:
    what = "creates" if spec.is_create else "GETs"
    print(f"bench: {what} on {spec.base_url} for {spec.duration} s", file=sys.stderr)
    preflight(spec)
    if spec.duration >= 5:
        run_load(replace(spec, duration=WARMUP_SECONDS))
    return run_load(spec)


def make_keys(url: str, accounts: int) -> tuple[str, ...]:
    """One key per account with the package grants, made before the service starts."""
    container = bootstrap(Settings(database_url=url))
    try:
        grants = [Grant(PACKAGE_READ), Grant(PACKAGE_WRITE)]
        keys = []
        for account in range(1, accounts + 1):
            context = CommandContext(account, "bench", f"bench-{uuid4()}", now_to_the_millisecond())
            plain = container.commands.run(IssueApiKey("bench", tuple(grants)), context).value.plain
            keys.append(f"Bearer {plain}")
        return tuple(keys)
    finally:
        container.close()


def _service_targets(base_url: str, keys: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """Ids of packages the creates made, read back through the list endpoint, per key."""
    targets: list[tuple[int, str]] = []
    pages = max(1, GET_TARGETS // 100 // len(keys))
    for index, key in enumerate(keys):
        for page in range(pages):
            status, text = fetch(
                base_url, f"{PATH}?size=100&page={page}", headers={"Authorization": key}
            )
            if status != 200:
                raise BenchError(f"listing packages answered {status}: {text}")
            data = json.loads(text)["data"]
            targets += [(index, item["id"]) for item in data]
            if len(data) < 100:
                break
    if not targets:
        raise BenchError("the service lists no package after the creates")
    return tuple(targets)


def _crud_targets(url: str) -> tuple[tuple[int, str], ...]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT id FROM bench_crud_packages LIMIT %s", (GET_TARGETS,)
        ).fetchall()
    if not rows:
        raise BenchError("the CRUD baseline stored no package")
    return tuple((0, str(row[0])) for row in rows)


def _checkpoint(url: str) -> None:
    """Flush what the last phase wrote now, not in the middle of the next one."""
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CHECKPOINT")
    except psycopg.Error:
        pass  # needs a superuser; without it the phases just share the checkpoints


def _rebuild(url: str) -> dict[str, Any]:
    """``faas-packages rebuild`` over the log the creates wrote (as ``scripts.bench_rebuild``)."""
    print("bench: rebuild", file=sys.stderr)
    settle(url)
    container = bootstrap(Settings(database_url=url))
    try:
        started = time.perf_counter()
        result = rebuild(container.projector)
        seconds = time.perf_counter() - started
    finally:
        container.close()
    return _rate(result.events_replayed, seconds)


def _replay(url: str) -> dict[str, Any]:
    """``faas-packages replay --json`` to /dev/null (as ``scripts.bench_replay``), start-up
    included."""
    print("bench: replay", file=sys.stderr)
    container = bootstrap(Settings(database_url=url))
    try:
        events = container.projector.log.head()
    finally:
        container.close()
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        finished = subprocess.run(
            [sys.executable, "-m", "scripts.cli", "replay", "--json"],
            cwd=ROOT,
            env=environment(FAAS_DATABASE_URL=url),
            stdout=sink,
            stderr=subprocess.PIPE,
            check=False,
            timeout=600,
        )
    if finished.returncode != 0:
        raise BenchError(f"replay failed ({finished.returncode}): {finished.stderr.decode()}")
    return _rate(events, time.perf_counter() - started)


def _rate(events: int, seconds: float) -> dict[str, Any]:
    return {"events": events, "seconds": seconds, "events_per_second": events / seconds}


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt  # SIGTERM: the same clean stop as Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    parser = CommandParser(description=(__doc__ or "").splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
