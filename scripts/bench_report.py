"""The report of ``scripts.bench_load``: a table and the target checks, or one JSON object."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from scripts.bench_generator import WRK_THREADS, LoadResult
from scripts.bench_servers import Server

PHASES = {
    "ceiling_create": "ceiling create",
    "ceiling_get": "ceiling GET",
    "crud_create": "CRUD create",
    "crud_get": "CRUD GET",
    "service_create": "service create",
    "service_get": "service GET",
}
EXPECTED = {"create": 201, "get": 200}
# (name, phase, baseline phase, least ratio): requests/s of the phase over the baseline's.
RATIO_TARGETS = (
    ("creates / CRUD creates", "service_create", "crud_create", 1.5),
    ("creates / ceiling creates", "service_create", "ceiling_create", 0.25),
    ("GETs / ceiling GETs", "service_get", "ceiling_get", 0.5),
)
# (name, phase, most p99 milliseconds)
P99_TARGETS = (("create p99 ms", "service_create", 50.0), ("GET p99 ms", "service_get", 50.0))


@dataclass
class Report:
    workers: int
    connections: int
    duration: int
    accounts: int
    generator: str
    # Each phase's result in every round, in order.
    results: dict[str, list[LoadResult]] = field(default_factory=dict)
    log: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """Rounds measured (every phase runs once in each)."""
        return min((len(results) for results in self.results.values()), default=0)

    def add(self, phase: str, result: LoadResult, server: Server) -> None:
        """Keep a phase's result; any unexpected answer is reported at once, loudly."""
        self.results.setdefault(phase, []).append(result)
        if result.errors:
            expected = EXPECTED[phase.rsplit("_", 1)[1]]
            print(
                f"bench: ERROR in {PHASES[phase]}: {result.errors} request(s) failed "
                f"(not {expected}: {result.statuses or 'none'}; "
                f"socket errors: {result.socket_errors or 'none'}); "
                f"first answer: {result.sample or '-'}\n"
                f"bench: the server's last output:\n{server.output_tail()}",
                file=sys.stderr,
            )

    @property
    def phases(self) -> dict[str, LoadResult]:
        """Each phase over all its rounds: requests and seconds summed (so the rate is the
        mean rate), p50, p90 and p99 the median of the rounds', max the largest."""
        return {phase: _over_rounds(results) for phase, results in self.results.items()}

    @property
    def errors(self) -> int:
        return sum(result.errors for results in self.results.values() for result in results)

    def checks(self) -> list[dict[str, Any]]:
        """Each target with its measured value (the median of the rounds') and PASS (True)
        or MISS (False). A ratio is taken within each round, the service against the
        baselines measured just before it."""
        checks = []
        for name, phase, baseline, least in RATIO_TARGETS:
            rounds = [
                result.rate / (base.rate or 1)
                for result, base in zip(self.results[phase], self.results[baseline], strict=True)
            ]
            ratio = median(rounds)
            checks.append(_check(name, ratio, f">= {least}", ratio >= least, rounds))
        for name, phase, most in P99_TARGETS:
            rounds = [result.p99_ms for result in self.results[phase]]
            p99 = median(rounds)
            checks.append(_check(name, p99, f"<= {most:g}", p99 <= most, rounds))
        return checks

    def as_dict(self) -> dict[str, Any]:
        checks = self.checks()
        return {
            "config": {
                "workers": self.workers,
                "connections": self.connections,
                "duration_seconds": self.duration,
                "accounts": self.accounts,
                "rounds": self.rounds,
                "generator": self.generator,
                "generator_threads": WRK_THREADS if self.generator == "wrk" else 1,
                "cpus": os.cpu_count(),
            },
            "phases": {phase: _phase_dict(result) for phase, result in self.phases.items()},
            "rounds": [
                {phase: _phase_dict(results[number]) for phase, results in self.results.items()}
                for number in range(self.rounds)
            ],
            "rebuild": self.log.get("rebuild"),
            "replay": self.log.get("replay"),
            "checks": checks,
            "errors": self.errors,
            "passed": all(check["pass"] for check in checks) and not self.errors,
        }


def _check(
    name: str, value: float, target: str, passed: bool, rounds: list[float]
) -> dict[str, Any]:
    return {"name": name, "value": value, "target": target, "pass": passed, "rounds": rounds}


def _over_rounds(results: list[LoadResult]) -> LoadResult:
    statuses: Counter[int] = Counter()
    socket_errors: Counter[str] = Counter()
    for result in results:
        statuses.update(result.statuses)
        socket_errors.update(result.socket_errors)
    return LoadResult(
        requests=sum(result.requests for result in results),
        seconds=sum(result.seconds for result in results),
        p50_ms=median(result.p50_ms for result in results),
        p90_ms=median(result.p90_ms for result in results),
        p99_ms=median(result.p99_ms for result in results),
        max_ms=max(result.max_ms for result in results),
        statuses=dict(statuses),
        socket_errors=dict(socket_errors),
        sample=next((result.sample for result in results if result.sample), ""),
    )


def _phase_dict(result: LoadResult) -> dict[str, Any]:
    return {
        "requests_per_second": result.rate,
        "requests": result.requests,
        "seconds": result.seconds,
        "p50_ms": result.p50_ms,
        "p90_ms": result.p90_ms,
        "p99_ms": result.p99_ms,
        "max_ms": result.max_ms,
        "errors": result.errors,
        "unexpected_statuses": {str(status): count for status, count in result.statuses.items()},
        "socket_errors": result.socket_errors,
    }


def print_report(report: Report, *, as_json: bool) -> None:
    """The table and the checks on stdout (or the JSON object); errors repeated on stderr."""
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        _print_table(report)
    if report.errors:
        print(
            f"bench: FAILED: {report.errors} request(s) got an unexpected answer", file=sys.stderr
        )


def _print_table(report: Report) -> None:
    generator = report.generator + (
        f" ({WRK_THREADS} threads)" if report.generator == "wrk" else ""
    )
    print(
        f"load: {report.workers} uvicorn worker(s) per server, {report.connections} connections, "
        f"{report.duration} s per phase, {report.rounds} round(s), {report.accounts} account(s), "
        f"{generator}, "
        f"{os.cpu_count()} CPUs shared by server, PostgreSQL and load generator\n"
    )
    if report.rounds > 1:
        print("requests/s over all rounds; p50 and p99: the median of the rounds'")
    print(f"{'phase':16} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for phase, result in report.phases.items():
        print(
            f"{PHASES[phase]:16} {result.rate:11,.0f} {result.p50_ms:8.1f} "
            f"{result.p99_ms:8.1f} {result.errors:7}"
        )
    print()
    for name, label in (("rebuild", "rebuild"), ("replay", "replay --json")):
        log = report.log.get(name)
        if log is not None:
            started = " (start-up included)" if name == "replay" else ""
            print(
                f"{label}: {log['events']:,} events in {log['seconds']:.2f} s = "
                f"{log['events_per_second']:,.0f} events/s{started}"
            )
    if report.log:
        print()
    print(f"{'check':28} {'value':>8} {'target':>8}  result")
    for check in report.checks():
        verdict = "PASS" if check["pass"] else "MISS"
        rounds = ""
        if len(check["rounds"]) > 1:
            rounds = "  (rounds: " + ", ".join(f"{value:.2f}" for value in check["rounds"]) + ")"
        print(f"{check['name']:28} {check['value']:8.2f} {check['target']:>8}  {verdict}{rounds}")
