"""Benchmark: how late the scheduler starts deployments, over many schedules due close
together, on the real server (``serve --workers 2`` on PostgreSQL by default).

    python -m scripts.bench_schedules                     # 200 schedules due within 60 s
    python -m scripts.bench_schedules --schedules 50 --within 10 --workers 1

Makes the deployments and their schedules over HTTP, with begins spread evenly over the
window, then follows the log until every start and stop is in it. For each start it
reports two lags behind ``dttmBegin``: the start event's own time (when the scheduler
decided it), and when a reader following the log (every 5 ms) first saw it committed.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx2 as httpx

from projections.source import EventLog
from scripts.bench_read_your_writes import make_key
from scripts.bench_rebuild import add_store_arguments, run_on_store
from scripts.bench_servers import environment, service_command, serving
from service.bootstrap import bootstrap
from service.settings import Settings

API = "/v2/faas"
KEYSETS_PER_REVISION = 20
FOLLOW_SECONDS = 0.005
LEAD_SECONDS = 3.0  # between the last schedule made and the first due
LASTING = timedelta(seconds=5)


class LogFollower(threading.Thread):
    """Reads the log as it grows, noting when each event of the scheduler was first seen."""

    def __init__(self, log: EventLog) -> None:
        super().__init__(name="log-follower", daemon=True)
        self.log = log
        self.position = log.head()
        self.seen: dict[tuple[str, str], float] = {}  # (type, correlation id) → wall time
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(FOLLOW_SECONDS):
            for position, event in self.log.after(self.position, 1000):
                self.position = position
                if event.actor == "scheduler":
                    key = (type(event).__name__, event.correlation_id)
                    self.seen.setdefault(key, time.time())


def make_deployments(client: httpx.Client, count: int) -> list[str]:
    deployments: list[str] = []
    while len(deployments) < count:
        body = {
            "name": f"bench-{uuid4().hex[:12]}",
            "functions": [
                {"name": "f", "type": "ON_REQUEST", "code": "x", "config": {"path": "p"}}
            ],
        }
        package = client.post(f"{API}/packages", json=body).json()["data"]["id"]
        revisions = client.get(f"{API}/packages/{package}/package-revisions").json()["data"]
        for keyset in range(1, min(KEYSETS_PER_REVISION, count - len(deployments)) + 1):
            made = client.post(
                f"{API}/package-deployments",
                json={"packageRevisionId": revisions[0]["id"], "keysetId": keyset},
            )
            deployments.append(made.json()["data"]["id"])
    return deployments


def make_schedules(
    client: httpx.Client, deployments: list[str], first: datetime, within: float
) -> dict[str, datetime]:
    """A schedule per deployment, begins spread evenly over ``within`` seconds: id → begin."""
    step = within / max(1, len(deployments) - 1)
    begins: dict[str, datetime] = {}
    for index, deployment in enumerate(deployments):
        begin = first + timedelta(seconds=index * step)
        body = {
            "packageDeploymentId": deployment,
            "dttmBegin": begin.isoformat(),
            "dttmEnd": (begin + LASTING).isoformat(),
        }
        made = client.post(f"{API}/scheduled/events", json=body)
        assert made.status_code == 201, made.text
        data: dict[str, Any] = made.json()["data"]
        begins[data["id"]] = datetime.fromisoformat(data["dttmBegin"].replace("Z", "+00:00"))
    return begins


def lags(
    begins: dict[str, datetime], follower: LogFollower, log: EventLog, kind: str
) -> tuple[list[float], list[float]]:
    """Per schedule: the event's own time minus the due time, and first sight minus it."""
    stamped: dict[str, datetime] = {}
    for _, event in log.after(0, 10**9):
        if event.actor == "scheduler" and type(event).__name__ == kind:
            stamped[event.correlation_id.removeprefix("schedule-")] = event.timestamp
    decided, seen = [], []
    for schedule_id, begin in begins.items():
        due = begin if kind == "DeploymentStarted" else begin + LASTING
        decided.append((stamped[schedule_id] - due).total_seconds())
        seen.append(follower.seen[kind, f"schedule-{schedule_id}"] - due.timestamp())
    return decided, seen


def report(name: str, values: list[float]) -> None:
    ms = [value * 1000 for value in values]
    print(f"{name:54} median {statistics.median(ms):7.1f} ms   max {max(ms):7.1f} ms   ({len(ms)})")


def run(url: str, args: argparse.Namespace) -> None:
    key = make_key(url)
    env = environment(
        FAAS_DATABASE_URL=url,
        FAAS_MAX_RUNNING_DEPLOYMENTS_PER_ACCOUNT=str(args.schedules * 2),
        FAAS_MAX_PACKAGES_PER_ACCOUNT=str(args.schedules * 2),
    )
    container = bootstrap(Settings(database_url=url))
    try:
        with (
            serving(service_command(args.workers), env) as server,
            httpx.Client(
                base_url=server.base_url, headers={"Authorization": key}, timeout=30
            ) as client,
        ):
            deployments = make_deployments(client, args.schedules)
            first = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS + args.schedules * 0.02)
            follower = LogFollower(container.projector.log)
            follower.start()
            begins = make_schedules(client, deployments, first, args.within)
            print(f"{len(begins)} schedules due from {first:%H:%M:%S} within {args.within} s")
            deadline = time.monotonic() + args.within + LEAD_SECONDS + 120
            wanted = {("DeploymentStopped", f"schedule-{s}") for s in begins}
            while not wanted <= follower.seen.keys():
                if time.monotonic() > deadline:
                    raise SystemExit("not every schedule was carried out in time")
                time.sleep(0.2)
            follower.stopped.set()
        log = container.projector.log
        for kind in ("DeploymentStarted", "DeploymentStopped"):
            decided, seen = lags(begins, follower, log, kind)
            report(f"{kind}: decided (event time) after due", decided)
            report(f"{kind}: committed (seen in the log) after due", seen)
    finally:
        container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--within", type=float, default=60.0, help="seconds the begins span")
    parser.add_argument("--workers", type=int, default=2)
    add_store_arguments(parser)
    args = parser.parse_args()
    run_on_store(args, run)


if __name__ == "__main__":
    main()
