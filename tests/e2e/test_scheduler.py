"""The service carries out scheduled events: on both stores, with the scheduler's clock moved
by the test (no test waits for a due time), each start and stop once, in events that name
the scheduler and the schedule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from service.settings import Settings
from tests.support.http import BASE, data_of
from tests.support.keys import keyed_client
from tests.support.schedules import (
    FakeClock,
    Scheduling,
    deployed,
    package_events,
    read,
    scheduled,
)
from tests.support.server import run_cli
from tests.support.waiting import wait_until

HOUR = timedelta(hours=1)


@pytest.fixture
def scheduling(store_url: str) -> Iterator[Scheduling]:
    """A service with a running limit of 1, whose scheduler's clock the test moves."""
    settings = Settings(database_url=store_url, max_running_deployments_per_account=1)
    with keyed_client(settings) as (client, _):
        container = client.app.state.container  # type: ignore[attr-defined]
        clock = FakeClock()
        container.scheduler.clock = clock
        yield Scheduling(client, container, clock)


def by_scheduler(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [event for event in events if event["type"] == kind]


def deployment_state(client: TestClient, deployment_id: str) -> str:
    state: str = read(client, f"/package-deployments/{deployment_id}")["state"]
    return state


def test_a_deployment_is_started_at_the_begin_and_stopped_at_the_end_once_each(
    scheduling: Scheduling,
) -> None:
    client, now = scheduling.client, scheduling.clock.now
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], now + HOUR)

    scheduling.at(now + HOUR - timedelta(milliseconds=1))
    scheduling.container.scheduler.tick()  # not yet due: nothing happens
    assert read(client, f"/scheduled/events/{made['id']}")["state"] == "SCHEDULED"
    scheduling.at(now + HOUR)
    assert scheduling.state_becomes(made["id"], "ACTIVE")
    assert deployment_state(client, deployment["id"]) == "RUNNING"
    scheduling.at(now + 2 * HOUR)
    assert scheduling.state_becomes(made["id"], "COMPLETED")
    assert deployment_state(client, deployment["id"]) == "STOPPED"

    scheduling.container.scheduler.tick()
    events = package_events(client, deployment["package"])
    for kind in (
        "DeploymentStarted",
        "ScheduleActivated",
        "DeploymentStopped",
        "ScheduleCompleted",
    ):
        [event] = by_scheduler(events, kind)
        assert (event["actor"], event["correlationId"]) == ("scheduler", f"schedule-{made['id']}")
    [started] = by_scheduler(events, "DeploymentStarted")
    assert started["time"] == made["dttmBegin"]


def test_a_schedule_whose_window_passed_unseen_is_carried_out_whole(
    scheduling: Scheduling,
) -> None:
    client, now = scheduling.client, scheduling.clock.now
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], now + HOUR)

    scheduling.at(now + 5 * HOUR)

    assert scheduling.state_becomes(made["id"], "COMPLETED")
    events = package_events(client, deployment["package"])
    assert len(by_scheduler(events, "DeploymentStarted")) == 1
    assert len(by_scheduler(events, "DeploymentStopped")) == 1
    assert deployment_state(client, deployment["id"]) == "STOPPED"


def test_a_start_the_running_limit_refuses_fails_the_schedule_and_leaves_the_deployment(
    scheduling: Scheduling,
) -> None:
    client, now = scheduling.client, scheduling.clock.now
    running = deployed(client)
    data_of(client.post(f"{BASE}/package-deployments/{running['id']}/function-deployments"))
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], now + HOUR)

    scheduling.at(now + HOUR)

    assert scheduling.state_becomes(made["id"], "FAILED")
    failed = read(client, f"/scheduled/events/{made['id']}")
    assert "1 running deployments, its limit" in failed["failureReason"]
    assert deployment_state(client, deployment["id"]) == "STOPPED"
    assert by_scheduler(package_events(client, deployment["package"]), "DeploymentStarted") == []


def test_a_deployment_stopped_by_hand_in_between_is_left_stopped(scheduling: Scheduling) -> None:
    client, now = scheduling.client, scheduling.clock.now
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], now + HOUR)
    scheduling.at(now + HOUR)
    assert scheduling.state_becomes(made["id"], "ACTIVE")
    client.delete(f"{BASE}/package-deployments/{deployment['id']}/function-deployments")
    data_of(client.post(f"{BASE}/package-deployments/{deployment['id']}/function-deployments"))

    scheduling.at(now + 2 * HOUR)

    assert scheduling.state_becomes(made["id"], "COMPLETED")
    assert deployment_state(client, deployment["id"]) == "RUNNING"  # started again by hand
    [completed] = by_scheduler(package_events(client, deployment["package"]), "ScheduleCompleted")
    assert completed["payload"]["deployment_stopped"] is False


def test_the_scheduler_wakes_for_a_schedule_made_after_it_fell_asleep(store_url: str) -> None:
    """The only test on the wall clock: a schedule due a second after it is made."""
    with keyed_client(Settings(database_url=store_url)) as (client, _):
        container = client.app.state.container  # type: ignore[attr-defined]
        assert wait_until(lambda: container.scheduler.is_leader)
        deployment = deployed(client)
        begin = container.scheduler.clock() + timedelta(seconds=1)
        made = scheduled(client, deployment["id"], begin, length=timedelta(seconds=1))

        assert wait_until(
            lambda: read(client, f"/scheduled/events/{made['id']}")["state"] == "COMPLETED", 15
        )
        events = package_events(client, deployment["package"])
        assert [e["type"] for e in events if e["actor"] == "scheduler"] == [
            "DeploymentStarted",
            "ScheduleActivated",
            "DeploymentStopped",
            "ScheduleCompleted",
        ]


def test_what_the_scheduler_appends_is_counted_by_topic(scheduling: Scheduling) -> None:
    client, now = scheduling.client, scheduling.clock.now
    made = scheduled(client, deployed(client)["id"], now + HOUR)
    scheduling.at(now + HOUR)
    assert scheduling.state_becomes(made["id"], "ACTIVE")

    families = text_string_to_metric_families(client.get("/metrics").text)

    appended = {
        sample.labels["topic"]: sample.value
        for family in families
        if family.name == "faas_events_appended"
        for sample in family.samples
        if sample.name == "faas_events_appended_total"
    }
    assert appended["faas.ScheduleCreated"] >= 1
    assert appended["faas.ScheduleActivated"] >= 1
    routes = {
        sample.labels["route"]
        for family in text_string_to_metric_families(client.get("/metrics").text)
        if family.name == "faas_http_requests"
        for sample in family.samples
    }
    assert {f"{BASE}/scheduled/events", f"{BASE}/scheduled/events/{{scheduled_event_id}}"} <= routes


def test_the_command_line_replays_what_a_schedule_did_and_the_read_model_verifies(
    scheduling: Scheduling, store_url: str
) -> None:
    client, now = scheduling.client, scheduling.clock.now
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], now + HOUR)
    scheduling.at(now + 3 * HOUR)
    assert scheduling.state_becomes(made["id"], "COMPLETED")

    replayed = run_cli(store_url, "replay", "--json", "--correlation-id", f"schedule-{made['id']}")
    as_of = run_cli(
        store_url, "replay", "--package", deployment["package"], "--as-of", made["createdDttm"]
    )
    verified = run_cli(store_url, "rebuild", "--verify")

    assert replayed.returncode == 0, replayed.stderr
    lines = [json.loads(line) for line in replayed.stdout.splitlines()]
    assert [line["type"] for line in lines if line["type"].startswith("Deployment")] == [
        "DeploymentStarted",
        "DeploymentStopped",
    ]
    assert as_of.returncode == 0, as_of.stderr
    assert (verified.returncode, verified.stdout) == (0, ""), verified.stderr
