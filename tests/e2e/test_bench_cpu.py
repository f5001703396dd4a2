"""``scripts.bench_cpu``: the app in process on a fresh database, its CPU by thread."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.server import run_module


@pytest.mark.slow
def test_the_cpu_benchmark_times_each_part_of_real_creates(postgres_database: str) -> None:
    # postgres_database: skip without PostgreSQL (fail in CI); the bench makes its own database.
    with psycopg.connect(POSTGRES_ADMIN_URL) as admin:
        databases_before = _bench_databases(admin)
    finished = run_module(
        "scripts.bench_cpu",
        *("--json", "--creates", "64", "--concurrency", "8"),
        *("--database-url", POSTGRES_ADMIN_URL),
        timeout=180,
    )

    assert finished.returncode == 0, finished.stderr
    measured = json.loads(finished.stdout)
    assert measured["creates"] == 64
    parts = measured["cpu_us_per_create"]
    assert set(parts) == {"event loop", "writer", "projection", "other threads"}
    for part in ("event loop", "writer", "projection"):
        assert parts[part] > 0, part
    assert measured["total_us_per_create"] == pytest.approx(sum(parts.values()), abs=0.5)
    with psycopg.connect(POSTGRES_ADMIN_URL) as admin:
        assert _bench_databases(admin) - databases_before == set(), "its database is dropped"


def _bench_databases(admin: psycopg.Connection[tuple[str]]) -> set[str]:
    rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'faas_bench_%'")
    return {row[0] for row in rows}
