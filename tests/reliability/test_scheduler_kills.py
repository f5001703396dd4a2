"""The scheduling process SIGKILLed around a due time, on real server processes: started
again, the service starts and stops each deployment exactly once (one event each in the log),
carries out what fell due while it was down, and records a start the running limit refuses.

Due times are a second or so ahead of the wall clock, which these servers run on."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2 as httpx
import pytest

from service.bootstrap import bootstrap
from service.settings import Settings
from tests.support.builders import package_body
from tests.support.keys import issue_key_in
from tests.support.read_back import verify_problems
from tests.support.schedules import iso
from tests.support.server import (
    kill_group,
    new_child,
    projection_pids,
    run_module,
    server_process,
)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

BASE = "/v2/faas"
AHEAD = timedelta(seconds=1.5)
LASTING = timedelta(seconds=1)
POSTGRES_ONLY = pytest.mark.parametrize("store_url", ["postgres"], indirect=True)


def deployment(client: httpx.Client) -> dict[str, str]:
    package = client.post(f"{BASE}/packages", json=package_body()).json()["data"]
    revisions = client.get(f"{BASE}/packages/{package['id']}/package-revisions").json()
    body = {"packageRevisionId": revisions["data"][0]["id"], "keysetId": 1}
    made = client.post(f"{BASE}/package-deployments", json=body)
    assert made.status_code == 201, made.text
    return {"id": made.json()["data"]["id"], "package": package["id"]}


def schedule(client: httpx.Client, deployment_id: str, begin: datetime) -> dict[str, Any]:
    body = {
        "packageDeploymentId": deployment_id,
        "dttmBegin": iso(begin),
        "dttmEnd": iso(begin + LASTING),
    }
    made = client.post(f"{BASE}/scheduled/events", json=body)
    assert made.status_code == 201, made.text
    data: dict[str, Any] = made.json()["data"]
    return data


def scheduler_events(store_url: str, package_id: str) -> list[str]:
    """The types of the events the scheduler appended to a package's stream, in order."""
    container = bootstrap(Settings(database_url=store_url))
    try:
        return [
            type(event).__name__
            for _, event in container.projector.log.stream_events(UUID(package_id))
            if event.actor == "scheduler"
        ]
    finally:
        container.close()


CARRIED_OUT = ["DeploymentStarted", "ScheduleActivated", "DeploymentStopped", "ScheduleCompleted"]


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def state_of(client: httpx.Client, schedule_id: str) -> str:
    state: str = client.get(f"{BASE}/scheduled/events/{schedule_id}").json()["data"]["state"]
    return state


@pytest.mark.parametrize("kill_at", [-0.3, 0.0, 0.05, 0.2])
def test_a_server_killed_around_a_due_time_starts_and_stops_the_deployment_once(
    store_url: str, tmp_path: Path, kill_at: float
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"
    with server_process(store_url, log=log) as (base, server):
        with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
            made = deployment(client)
            begin = datetime.now(UTC) + AHEAD
            planned = schedule(client, made["id"], begin)
        sleep_until(begin + timedelta(seconds=kill_at))
        kill_group(server)
    assert server.returncode == -signal.SIGKILL

    with (
        server_process(store_url, log=log) as (base, _),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        assert wait_until(lambda: state_of(client, planned["id"]) == "COMPLETED", 15)

    assert scheduler_events(store_url, made["package"]) == CARRIED_OUT


@pytest.mark.parametrize("when", ["written", "committed"])
def test_a_scheduler_killed_inside_its_start_leaves_it_to_be_made_once(
    store_url: str, tmp_path: Path, when: str
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"
    with server_process(store_url, log=log) as (base, server):
        with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
            made = deployment(client)
            # Far enough ahead that this server stops before it: the killed process is the
            # one that carries it out (on a clock set to the begin).
            begin = datetime.now(UTC) + timedelta(seconds=2.5)
            planned = schedule(client, made["id"], begin)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    killed = run_module("tests.support.die_mid_schedule", store_url, begin.isoformat(), when)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    expected_before = [] if when == "written" else CARRIED_OUT[:2]
    assert scheduler_events(store_url, made["package"]) == expected_before

    with (
        server_process(store_url, log=log) as (base, _),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        assert wait_until(lambda: state_of(client, planned["id"]) == "COMPLETED", 15)

    assert scheduler_events(store_url, made["package"]) == CARRIED_OUT


def test_a_schedule_that_fell_due_while_no_server_ran_is_carried_out_at_the_next_start(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"
    with server_process(store_url, log=log) as (base, server):
        with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
            stopped_late = deployment(client)
            begin = datetime.now(UTC) + AHEAD
            whole = schedule(client, stopped_late["id"], begin)
            half = deployment(client)
            later = schedule(client, half["id"], begin + 2 * LASTING)  # ends after the restart
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    sleep_until(begin + LASTING + timedelta(seconds=0.5))  # the first window has passed

    with (
        server_process(store_url, log=log) as (base, _),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        assert wait_until(lambda: state_of(client, whole["id"]) == "COMPLETED", 15)
        assert wait_until(lambda: state_of(client, later["id"]) == "COMPLETED", 15)

    assert scheduler_events(store_url, stopped_late["package"]) == CARRIED_OUT
    assert scheduler_events(store_url, half["package"]) == CARRIED_OUT


def test_a_start_the_limit_refuses_after_a_kill_fails_the_schedule_once(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"
    one_running = {"FAAS_MAX_RUNNING_DEPLOYMENTS_PER_ACCOUNT": "1"}
    with server_process(store_url, log=log, env=one_running) as (base, server):
        with httpx.Client(base_url=base, headers=key.headers, timeout=30) as client:
            running = deployment(client)
            started = client.post(
                f"{BASE}/package-deployments/{running['id']}/function-deployments"
            )
            assert started.status_code == 200, started.text
            refused = deployment(client)
            begin = datetime.now(UTC) + AHEAD
            planned = schedule(client, refused["id"], begin)
        sleep_until(begin - timedelta(seconds=0.2))
        kill_group(server)

    with (
        server_process(store_url, log=log, env=one_running) as (base, _),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        assert wait_until(lambda: state_of(client, planned["id"]) == "FAILED", 15)
        failed = client.get(f"{BASE}/scheduled/events/{planned['id']}").json()["data"]
        deployed = client.get(f"{BASE}/package-deployments/{refused['id']}").json()["data"]

    assert "running deployments" in failed["failureReason"]
    assert deployed["state"] == "STOPPED"
    assert scheduler_events(store_url, refused["package"]) == ["ScheduleFailed"]


@POSTGRES_ONLY
def test_the_projection_process_of_several_workers_killed_at_a_due_time_starts_once(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    log = tmp_path / "server.log"
    with (
        server_process(store_url, workers=2, log=log) as (base, server),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        made = [deployment(client) for _ in range(5)]
        begin = datetime.now(UTC) + AHEAD
        planned = [schedule(client, item["id"], begin) for item in made]
        (scheduling,) = projection_pids(server)
        sleep_until(begin)
        os.kill(scheduling, signal.SIGKILL)
        new_child(server, projection_pids, {scheduling}, timeout=15)
        for item in planned:
            assert wait_until(lambda item=item: state_of(client, item["id"]) == "COMPLETED", 15)

    for item in made:
        assert scheduler_events(store_url, item["package"]) == CARRIED_OUT
    assert verify_problems(store_url) == []


def test_two_servers_on_one_store_start_each_deployment_once(
    store_url: str, tmp_path: Path
) -> None:
    key = issue_key_in(store_url)
    with (
        server_process(store_url, workers=2, log=tmp_path / "one.log") as (base, _),
        server_process(store_url, workers=2, log=tmp_path / "two.log"),
        httpx.Client(base_url=base, headers=key.headers, timeout=30) as client,
    ):
        made = [deployment(client) for _ in range(10)]
        begin = datetime.now(UTC) + AHEAD
        planned = [schedule(client, item["id"], begin) for item in made]
        for item in planned:
            assert wait_until(lambda item=item: state_of(client, item["id"]) == "COMPLETED", 15)

    for item in made:
        assert scheduler_events(store_url, item["package"]) == CARRIED_OUT
    assert verify_problems(store_url) == []
