"""Benchmark: counter increments/s of the KV store, on one hot counter and spread over 1,000,
against plain CRUD (``UPDATE ... SET v = v + 1 RETURNING v`` from an async pool).

    python -m scripts.bench_counters [--workers 2] [--connections 64] [--duration 10]
                                     [--rounds 3] [--counters 1000] [--database-url URL]

On a fresh PostgreSQL database (dropped at the end), over loopback, driven by wrk (two
threads): ``POST /v2/faas/kv/counters/{key}/increment`` with ``{"value":1}``, to the
service (``faas-packages serve``, every increment an event, answered once the read model has
it) and to a CRUD server of the same shape (uvicorn, the same workers, no key check), one
server at a time, every phase once per round. After each phase the counters' total is read
back: the increments counted must all be there (a few more may be: wrk abandons requests in
flight at its end). Exit status 1 on any unexpected answer or lost increment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from statistics import median
from uuid import uuid4

import msgspec
import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from commands.context import CommandContext
from commands.handlers.keys import IssueApiKey
from commands.handlers.keysets import AddKeyset
from commands.keys import KV_READ, KV_WRITE, Grant
from scripts import arguments
from scripts.bench_generator import (
    LUA_RESULTS,
    WRK_THREADS,
    LoadResult,
    run_wrk_script,
)
from scripts.bench_rebuild import fresh_postgres
from scripts.bench_servers import (
    HOST,
    BenchError,
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
CRUD_URL_VARIABLE = "FAAS_BENCH_CRUD_DATABASE_URL"
PATH = "/v2/faas/kv/counters"
SUBSCRIBE_KEY = "sub-c-bench"
HOT = "hot"
WARMUP_SECONDS = 1
SCENARIOS = ("one counter", "many counters")
CRUD_SCHEMA = "CREATE TABLE IF NOT EXISTS bench_counters (k text PRIMARY KEY, v bigint NOT NULL)"
INCREMENT = "UPDATE bench_counters SET v = v + 1 WHERE k = %s RETURNING v"


class Counted(msgspec.Struct):
    key: str
    value: int


class Answer(msgspec.Struct):
    data: Counted
    errors: list[str]


_encoder = msgspec.json.Encoder()


def crud_app() -> Starlette:
    """Plain CRUD: one UPDATE ... RETURNING per increment, from an async pool."""
    pool = AsyncConnectionPool(
        os.environ[CRUD_URL_VARIABLE],
        min_size=4,
        max_size=16,
        kwargs={"autocommit": True},
        open=False,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.open(wait=True)
        try:
            yield
        finally:
            await pool.close()

    async def increment(request: Request) -> Response:
        await request.body()
        key = request.path_params["key"]
        async with pool.connection() as connection:
            row = await (await connection.execute(INCREMENT, (key,))).fetchone()
        if row is None:
            return Response(b'{"errors":["no such counter"]}', 400)
        answer = Answer(Counted(key, row[0]), [])
        return Response(_encoder.encode(answer), media_type="application/json")

    async def livez(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [
        Route(f"{PATH}/{{key}}/increment", increment, methods=["POST"]),
        Route("/livez", livez),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


@dataclass
class Phase:
    name: str
    scenario: str
    results: list[LoadResult]
    surplus: list[int]  # increments applied beyond those answered (wrk's abandoned ones)


def lua_script(authorization: str, counters: int) -> str:
    """POST an increment to the hot counter, or to one of ``counters`` at random."""
    return (
        f'local path = "{PATH}/"\n'
        f'local query = "/increment?subkey={SUBSCRIBE_KEY}"\n'
        f"local counters = {counters}\n"
        "local expected = 200\n"
        f'local headers = {{ Authorization = "{authorization}", '
        '["Content-Type"] = "application/json" }\n'
        "function init(args) math.randomseed(os.time() * 1000 + tid * 7919) end\n"
        "function request()\n"
        f'  local key = "{HOT}"\n'
        '  if counters > 1 then key = "c" .. math.random(0, counters - 1) end\n'
        '  return wrk.format("POST", path .. key .. query, headers, \'{"value":1}\')\n'
        "end\n" + LUA_RESULTS
    )


def prepare(url: str, counters: int) -> str:
    """The CRUD table with its rows, and the service's key and keyset: its Authorization."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(CRUD_SCHEMA)
        keys = [HOT, *(f"c{n}" for n in range(counters))]
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_counters VALUES (%s, 0)", [(k,) for k in keys])
    container = bootstrap(Settings(database_url=url))
    try:
        context = CommandContext(1, "bench", f"bench-{uuid4()}", now_to_the_millisecond())
        grants = (Grant(KV_READ), Grant(KV_WRITE))
        plain = container.commands.run(IssueApiKey("bench", grants), context).value.plain
        container.commands.run(AddKeyset(1, SUBSCRIBE_KEY), context)
    finally:
        container.close()
    return f"Bearer {plain}"


def total(url: str, service: bool) -> int:
    """Every counter's value, added up, as the store has it."""
    statement = (
        "SELECT COALESCE(sum(value::bigint), 0) FROM rm_kv_entries WHERE kind = 'counter'"
        if service
        else "SELECT COALESCE(sum(v), 0) FROM bench_counters"
    )
    with psycopg.connect(url) as connection:
        row = connection.execute(statement).fetchone()
    return int(row[0]) if row else 0


def measure(url: str, args: argparse.Namespace) -> list[Phase]:
    authorization = prepare(url, args.counters)
    phases = {
        (server, scenario): Phase(f"{server} {scenario}", scenario, [], [])
        for server in ("service", "CRUD")
        for scenario in SCENARIOS
    }
    crud = [
        sys.executable, "-m", "uvicorn", "scripts.bench_counters:crud_app", "--factory",
        "--host", HOST, "--workers", str(args.workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    servers = (
        ("service", service_command(args.workers), environment(FAAS_DATABASE_URL=url)),
        ("CRUD", crud, environment(**{CRUD_URL_VARIABLE: url})),
    )
    for number in range(1, args.rounds + 1):
        print(f"bench: round {number} of {args.rounds}", file=sys.stderr)
        for server, command, env in servers:
            with serving(command, env) as running:
                for scenario, counters in zip(SCENARIOS, (1, args.counters), strict=True):
                    script = lua_script(authorization, counters)
                    phase = phases[server, scenario]
                    _run_phase(phase, running.base_url, script, url, args, authorization)
    return list(phases.values())


def _run_phase(
    phase: Phase, base_url: str, script: str, url: str, args: argparse.Namespace, auth: str
) -> None:
    print(f"bench: {phase.name} for {args.duration} s", file=sys.stderr)
    status, text = fetch(
        base_url,
        f"{PATH}/{HOT}/increment?subkey={SUBSCRIBE_KEY}",
        method="POST",
        headers={"Authorization": auth, "Content-Type": "application/json"},
        body='{"value":1}',
    )
    if status != 200:
        raise BenchError(f"{phase.name}: an increment answered {status}: {text}")
    run_wrk_script(script, base_url, args.connections, WARMUP_SECONDS)
    service = phase.name.startswith("service")
    before = total(url, service)
    result = run_wrk_script(script, base_url, args.connections, args.duration)
    applied = _settled_total(url, service, before, result.requests) - before
    phase.results.append(result)
    phase.surplus.append(applied - result.requests)


def _settled_total(url: str, service: bool, before: int, answered: int) -> int:
    """The total once the read model has every answered increment (it has them all when
    they were answered; abandoned ones may land a moment later)."""
    deadline = time.monotonic() + 5
    found = total(url, service)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        settled, found = found, total(url, service)
        if found == settled and found - before >= answered:
            break
    return found


def print_report(phases: list[Phase], args: argparse.Namespace) -> int:
    print(
        f"counter increments ({args.counters:,} counters when many), {args.workers} workers, "
        f"{args.connections} connections, {args.duration} s per phase, {args.rounds} rounds, "
        f"wrk ({WRK_THREADS} threads)"
    )
    print(f"{'phase':<28}{'median/s':>10}{'p50 ms':>8}{'p99 ms':>8}  rounds (/s)")
    failed = 0
    for phase in phases:
        rates = [result.rate for result in phase.results]
        last = phase.results[-1]
        rounds = " / ".join(f"{rate:,.0f}" for rate in rates)
        latency = f"{last.p50_ms:>8.1f}{last.p99_ms:>8.1f}"
        print(f"{phase.name:<28}{median(rates):>10,.0f}{latency}  {rounds}")
        errors = sum(result.errors for result in phase.results)
        lost = [surplus for surplus in phase.surplus if surplus < 0]
        if errors or lost:
            failed += 1
            print(f"  FAILED: {errors} unexpected answers, increments lost: {lost or 'none'}")
    by_name = {phase.name: phase for phase in phases}
    for scenario in SCENARIOS:
        service, crud = by_name[f"service {scenario}"], by_name[f"CRUD {scenario}"]
        ratios = [s.rate / c.rate for s, c in zip(service.results, crud.results, strict=True)]
        print(
            f"service / CRUD, {scenario}: {median(ratios):.2f} "
            f"(rounds {' / '.join(f'{r:.2f}' for r in ratios)})"
        )
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = CommandParser(description=(__doc__ or "").splitlines()[0])
    count = arguments.whole_number
    parser.add_argument("--workers", type=arguments.workers, default=2, help="uvicorn workers")
    parser.add_argument("--connections", type=count(1, 10_000), default=64, help="open connections")
    parser.add_argument("--duration", type=count(1, 3600), default=10, help="seconds per phase")
    parser.add_argument("--rounds", type=count(1, 100), default=3, help="times every phase runs")
    parser.add_argument("--counters", type=count(2, 1_000_000), default=1000, help="spread over")
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL admin URL")
    args = parser.parse_args(argv)
    try:
        with fresh_postgres(args.database_url) as url:
            phases = measure(url, args)
    except BenchError as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    return print_report(phases, args)


if __name__ == "__main__":
    sys.exit(main())
