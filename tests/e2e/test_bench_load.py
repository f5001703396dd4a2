"""``faas-packages bench`` end to end: real servers, a real load generator, a real database."""

from __future__ import annotations

import json

import pytest

from tests.conftest import POSTGRES_ADMIN_URL
from tests.support.server import run_module

PHASES = {"ceiling_create", "ceiling_get", "crud_create", "crud_get"}
PHASES |= {"service_create", "service_get"}
PHASE_KEYS = {"requests_per_second", "p50_ms", "p99_ms", "errors"}
TINY_RUN = ["--duration", "1", "--connections", "4", "--workers", "1", "--skip-rebuild"]
ROUNDS = 2


@pytest.mark.slow
def test_a_short_bench_measures_every_phase_without_errors(postgres_database: str) -> None:
    # postgres_database: skip without PostgreSQL (fail in CI); the bench makes its own database.
    finished = run_module(
        "scripts.cli",
        *("bench", "--json", *TINY_RUN, "--rounds", str(ROUNDS)),
        *("--database-url", POSTGRES_ADMIN_URL),
        timeout=180,
    )

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert set(report["phases"]) == PHASES
    for name, phase in report["phases"].items():
        assert set(phase) >= PHASE_KEYS, name
        assert phase["requests_per_second"] > 0, name
        assert phase["errors"] == 0, (name, phase)
    assert report["errors"] == 0
    assert len(report["rounds"]) == ROUNDS
    for measured in report["rounds"]:
        assert set(measured) == PHASES
        assert all(phase["requests_per_second"] > 0 for phase in measured.values())
    # A phase's requests are all its rounds'.
    for name, phase in report["phases"].items():
        assert phase["requests"] == sum(measured[name]["requests"] for measured in report["rounds"])
    assert [check["name"] for check in report["checks"]] == [
        "creates / CRUD creates",
        "creates / ceiling creates",
        "GETs / ceiling GETs",
        "create p99 ms",
        "GET p99 ms",
    ]
    assert report["rebuild"] is None
    assert report["replay"] is None
    assert report["config"]["generator"] in {"wrk", "httpx"}
    assert report["config"]["rounds"] == ROUNDS
    for check in report["checks"]:
        assert len(check["rounds"]) == ROUNDS, check
