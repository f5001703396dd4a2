"""Scheduled events over HTTP, and a clock the scheduler can be given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from service.bootstrap import Container
from tests.support.http import BASE, create, data_of
from tests.support.waiting import wait_until

SCHEDULES = f"{BASE}/scheduled/events"


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def deployed(client: TestClient, keyset: int = 1) -> dict[str, str]:
    """A new package's deployment (stopped): its id, package id and revision id."""
    package = create(client)
    revisions = client.get(f"{BASE}/packages/{package['id']}/package-revisions")
    revision = data_of(revisions)[0]["id"]
    body = {"packageRevisionId": revision, "keysetId": keyset}
    deployment = data_of(client.post(f"{BASE}/package-deployments", json=body), 201)
    return {"id": deployment["id"], "package": package["id"], "revision": revision}


def schedule_body(
    deployment_id: str, begin: datetime, length: timedelta = timedelta(hours=1), **more: Any
) -> dict[str, Any]:
    return {
        "packageDeploymentId": deployment_id,
        "dttmBegin": iso(begin),
        "dttmEnd": iso(begin + length),
        **more,
    }


def scheduled(client: TestClient, deployment_id: str, begin: datetime, **more: Any) -> Any:
    """A new schedule of the deployment, as its create answered it."""
    return data_of(client.post(SCHEDULES, json=schedule_body(deployment_id, begin, **more)), 201)


def read(client: TestClient, path: str) -> Any:
    return data_of(client.get(f"{BASE}{path}"))


@dataclass
class Scheduling:
    """A client whose service's scheduler runs on ``clock``."""

    client: TestClient
    container: Container
    clock: FakeClock

    def at(self, moment: datetime) -> None:
        """Move the clock and let the scheduler look at once."""
        self.clock.now = moment
        self.container.scheduler.wake()

    def state_becomes(self, schedule_id: str, state: str, seconds: float = 10) -> bool:
        return wait_until(
            lambda: read(self.client, f"/scheduled/events/{schedule_id}")["state"] == state,
            seconds,
        )


def package_events(client: TestClient, package_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = data_of(
        client.get(f"{BASE}/packages/{package_id}/events?size=100&sort=createdDttm,ASC")
    )
    return events
