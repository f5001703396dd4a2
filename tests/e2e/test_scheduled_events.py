"""Scheduled events over HTTP: create, read, list, change and delete; the times, overlaps and
states they are held to; answers equal to a read right after them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from starlette.testclient import TestClient

from service.settings import Settings
from tests.support.http import BASE, data_of
from tests.support.keys import IssuedKey, keyed_client
from tests.support.schedules import (
    SCHEDULES,
    FakeClock,
    Scheduling,
    deployed,
    iso,
    package_events,
    read,
    schedule_body,
    scheduled,
)

HOUR = timedelta(hours=1)


def soon(hours: float = 1) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def errors_of(response: Any, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    return [(error["code"], error["message"]) for error in response.json()["errors"]]


@pytest.fixture
def scheduling(keyed: tuple[TestClient, IssuedKey]) -> Scheduling:
    client = keyed[0]
    container = client.app.state.container  # type: ignore[attr-defined]
    container.scheduler.clock = clock = FakeClock()
    return Scheduling(client, container, clock)


def test_a_schedule_is_made_scheduled_and_reads_back_as_answered(client: TestClient) -> None:
    deployment = deployed(client)
    begin = soon()

    response = client.post(
        SCHEDULES, json=schedule_body(deployment["id"], begin, description="for the sale")
    )

    made = data_of(response, 201)
    assert response.headers["location"] == f"{SCHEDULES}/{made['id']}"
    assert made["state"] == "SCHEDULED"
    assert made["failureReason"] is None
    assert (made["dttmBegin"], made["dttmEnd"]) == (iso(begin), iso(begin + HOUR))
    assert made["packageDeploymentId"] == deployment["id"]
    again = client.get(f"{SCHEDULES}/{made['id']}")
    assert data_of(again) == made
    assert again.headers["etag"] == response.headers["etag"]
    assert made in data_of(client.get(SCHEDULES))


def test_times_are_kept_in_utc_to_the_millisecond(client: TestClient) -> None:
    deployment = deployed(client)
    begin = soon().astimezone(timezone(timedelta(hours=2))).replace(microsecond=123456)

    made = scheduled(client, deployment["id"], soon(), dttmBegin=begin.isoformat())

    assert made["dttmBegin"] == iso(begin.replace(microsecond=123000))
    assert made["dttmBegin"].endswith(".123Z")


@pytest.mark.parametrize(
    ("begin_hours", "end_hours", "path"),
    [
        (-1, 1, "$.dttmBegin"),
        (0, 1, "$.dttmBegin"),
        (24 * 367, 24 * 368, "$.dttmBegin"),
        (1, 1, "$.dttmEnd"),
        (2, 1, "$.dttmEnd"),
        (1, 1 + 24 * 367, "$.dttmEnd"),
    ],
)
def test_a_time_out_of_bounds_is_a_1007_naming_it(
    client: TestClient, begin_hours: float, end_hours: float, path: str
) -> None:
    deployment = deployed(client)
    now = datetime.now(UTC)
    body = schedule_body(deployment["id"], now + timedelta(hours=begin_hours))
    body["dttmEnd"] = iso(now + timedelta(hours=end_hours))

    [(code, message)] = errors_of(client.post(SCHEDULES, json=body), 400)

    assert code == "FAAS-1007"
    assert message.startswith(f"{path}: ")


def test_malformed_and_server_owned_fields_are_400s_naming_them(client: TestClient) -> None:
    deployment = deployed(client)
    body = schedule_body(deployment["id"], soon())

    naive = {**body, "dttmBegin": body["dttmBegin"].removesuffix("Z")}
    owned = {**body, "state": "ACTIVE", "createdDttm": body["dttmBegin"]}
    far_zone = {**body, "dttmEnd": "9999-12-31T23:59:59-05:00"}

    [(code, message)] = errors_of(client.post(SCHEDULES, json=naive), 400)
    assert (code, message.split(":")[0]) == ("FAAS-400", "$.dttmBegin")
    assert errors_of(client.post(SCHEDULES, json=owned), 400) == [
        ("FAAS-400", "$.state: read-only field; the server sets it"),
        ("FAAS-400", "$.createdDttm: read-only field; the server sets it"),
    ]
    assert errors_of(client.post(SCHEDULES, json=far_zone), 400) == [
        ("FAAS-1007", "$.dttmEnd: out of range")
    ]
    assert client.get(SCHEDULES).json()["data"] == []


def test_two_schedules_of_a_deployment_may_not_overlap(client: TestClient) -> None:
    deployment = deployed(client)
    first = scheduled(client, deployment["id"], soon(1))
    scheduled(client, deployment["id"], soon(2) + timedelta(minutes=5))  # after the first

    overlapping = schedule_body(deployment["id"], soon(1.5))
    [(code, message)] = errors_of(client.post(SCHEDULES, json=overlapping), 409)

    assert code == "FAAS-1036"
    assert first["id"] in message
    other = deployed(client)
    assert client.post(SCHEDULES, json=schedule_body(other["id"], soon(1.5))).status_code == 201


def test_a_change_replaces_the_fields_sent_and_reads_back_as_answered(client: TestClient) -> None:
    made = scheduled(client, deployed(client)["id"], soon())
    url = f"{SCHEDULES}/{made['id']}"
    end = soon(5)

    response = client.put(url, json={"dttmEnd": iso(end), "description": "longer"})

    changed = data_of(response)
    assert (changed["dttmBegin"], changed["dttmEnd"], changed["description"]) == (
        made["dttmBegin"],
        iso(end),
        "longer",
    )
    assert changed == read(client, f"/scheduled/events/{made['id']}")
    assert response.headers["etag"] == client.get(url).headers["etag"]
    assert errors_of(client.put(url, json={}), 400) == [
        ("FAAS-400", "$: send at least one of dttmBegin, dttmEnd, description")
    ]
    assert errors_of(client.put(url, json={"id": made["id"]}), 400) == [
        ("FAAS-400", "$.id: read-only field; the server sets it")
    ]


def test_if_match_guards_changes_and_deletions(client: TestClient) -> None:
    made = scheduled(client, deployed(client)["id"], soon())
    url = f"{SCHEDULES}/{made['id']}"
    etag = client.get(url).headers["etag"]
    client.put(url, json={"description": "moved on"})

    stale = {"If-Match": etag}
    assert errors_of(client.put(url, json={"description": "x"}, headers=stale), 412)
    assert errors_of(client.delete(url, headers=stale), 412)
    assert (
        client.delete(url, headers={"If-Match": client.get(url).headers["etag"]}).status_code == 204
    )
    assert client.get(url).status_code == 404


def test_active_ones_are_not_deleted_and_started_ones_not_changed(scheduling: Scheduling) -> None:
    client, now = scheduling.client, scheduling.clock.now
    made = scheduled(client, deployed(client)["id"], now + HOUR)
    url = f"{SCHEDULES}/{made['id']}"
    scheduling.at(now + HOUR)
    assert scheduling.state_becomes(made["id"], "ACTIVE")

    [(code, _)] = errors_of(client.delete(url), 409)
    assert code == "FAAS-1010"
    [(code, message)] = errors_of(client.put(url, json={"description": "x"}), 409)
    assert (code, message.endswith("this one is ACTIVE")) == ("FAAS-1011", True)

    scheduling.at(now + 2 * HOUR)
    assert scheduling.state_becomes(made["id"], "COMPLETED")
    [(code, _)] = errors_of(client.put(url, json={"description": "x"}), 409)
    assert code == "FAAS-1011"
    assert client.delete(url).status_code == 204


def test_deleting_the_deployment_deletes_its_schedules(client: TestClient) -> None:
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], soon())

    response = client.delete(f"{BASE}/package-deployments/{deployment['id']}")

    assert response.status_code == 204
    assert client.get(f"{SCHEDULES}/{made['id']}").status_code == 404
    assert client.get(SCHEDULES).json()["data"] == []


def test_a_package_moves_with_its_schedules_and_its_etag_stays_usable(client: TestClient) -> None:
    deployment = deployed(client)
    package_url = f"{BASE}/packages/{deployment['package']}"
    before = client.get(package_url)
    made = scheduled(client, deployment["id"], soon())

    after = client.get(package_url)
    renamed = client.put(
        package_url, json={"description": "x"}, headers={"If-Match": after.headers["etag"]}
    )

    assert after.headers["etag"] != before.headers["etag"]
    assert data_of(after)["updatedDttm"] == made["createdDttm"]
    assert renamed.status_code == 200, renamed.text
    types = [event["type"] for event in package_events(client, deployment["package"])]
    assert "ScheduleCreated" in types
    as_of = client.get(package_url, params={"asOf": made["createdDttm"]})
    assert data_of(as_of)["updatedDttm"] == made["createdDttm"]


def test_lists_page_and_sort_by_begin_or_creation(client: TestClient) -> None:
    deployment = deployed(client)
    made = [scheduled(client, deployment["id"], soon(hours)) for hours in (5, 1, 3)]

    by_begin = data_of(client.get(SCHEDULES, params={"sort": "dttmBegin,ASC", "size": 2}))
    newest = data_of(client.get(SCHEDULES))
    paged = client.get(SCHEDULES, params={"sort": "dttmBegin", "page": 1, "size": 2}).json()

    assert [item["id"] for item in by_begin] == [made[1]["id"], made[2]["id"]]
    assert [item["id"] for item in newest] == [m["id"] for m in reversed(made)]
    assert [item["id"] for item in paged["data"]] == [made[0]["id"]]
    assert paged["meta"]["paging"]["totalElements"] == 3
    [(code, _)] = errors_of(client.get(SCHEDULES, params={"sort": "name"}), 400)
    assert code == "FAAS-1019"
    assert client.get(SCHEDULES, params={"search": "anything"}).status_code == 200


def test_as_of_shows_them_as_they_stood(client: TestClient) -> None:
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], soon(), description="first")
    url = f"{SCHEDULES}/{made['id']}"
    changed = data_of(client.put(url, json={"description": "second"}))
    client.delete(url)

    then = client.get(url, params={"asOf": made["createdDttm"]})
    listed = data_of(client.get(SCHEDULES, params={"asOf": changed["updatedDttm"]}))
    before = client.get(url, params={"asOf": "2000-01-01T00:00:00Z"})

    assert data_of(then)["description"] in {"first", "second"}  # made and changed in one ms
    assert [item["description"] for item in listed] == ["second"]
    assert client.get(url).status_code == 404
    assert before.status_code == 404
    [(code, message)] = errors_of(client.get(url, params={"asOf": "yesterday"}), 400)
    assert (code, message.startswith("asOf:")) == ("FAAS-400", True)


def test_a_repeated_idempotency_key_answers_the_first_answer(client: TestClient) -> None:
    body = schedule_body(deployed(client)["id"], soon())
    headers = {"Idempotency-Key": "schedule-once"}

    first = client.post(SCHEDULES, json=body, headers=headers)
    repeat = client.post(SCHEDULES, json=body, headers=headers)
    other = client.post(SCHEDULES, json={**body, "description": "x"}, headers=headers)

    assert (first.status_code, repeat.status_code) == (201, 201)
    assert repeat.json()["data"] == first.json()["data"]
    assert repeat.headers["idempotent-replayed"] == "true"
    assert [error["code"] for error in other.json()["errors"]] == ["FAAS-1031"]
    assert len(data_of(client.get(SCHEDULES))) == 1


@pytest.fixture
def two_schedules(store_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=store_url, max_schedules_per_deployment=2)
    with keyed_client(settings) as (client, _):
        yield client


def test_a_deployment_holds_at_most_its_limit_of_schedules(two_schedules: TestClient) -> None:
    client = two_schedules
    deployment = deployed(client)
    for hours in (1, 3):
        scheduled(client, deployment["id"], soon(hours))

    [(code, _)] = errors_of(
        client.post(SCHEDULES, json=schedule_body(deployment["id"], soon(5))), 422
    )

    assert code == "FAAS-1038"
