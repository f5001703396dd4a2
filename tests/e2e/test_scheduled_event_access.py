"""Who may see and change scheduled events: another account's are 404 everywhere, and the
deployment's keyset decides the grants needed (403 without them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from starlette.testclient import TestClient

from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE, PACKAGE_READ, PACKAGE_WRITE, Grant
from tests.support.http import data_of
from tests.support.keys import IssuedKey, issue_key
from tests.support.schedules import SCHEDULES, deployed, schedule_body, scheduled


def soon(hours: float = 1) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def as_key(key: IssuedKey) -> dict[str, str]:
    return key.headers


def test_another_accounts_schedules_and_deployments_are_not_found(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = keyed
    container = client.app.state.container  # type: ignore[attr-defined]
    deployment = deployed(client)
    made = scheduled(client, deployment["id"], soon())
    stranger = as_key(issue_key(container))
    url = f"{SCHEDULES}/{made['id']}"
    unknown = f"{SCHEDULES}/{uuid4()}"

    answers = {
        "get": client.get(url, headers=stranger),
        "as of": client.get(url, params={"asOf": made["createdDttm"]}, headers=stranger),
        "put": client.put(url, json={"description": "x"}, headers=stranger),
        "delete": client.delete(url, headers=stranger),
        "unknown": client.get(unknown),
        "post": client.post(
            SCHEDULES, json=schedule_body(deployment["id"], soon()), headers=stranger
        ),
    }

    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        answers, 404
    )
    assert {answer.json()["errors"][0]["message"] for answer in answers.values()} == {
        "Entity not found"
    }
    assert data_of(client.get(SCHEDULES, headers=stranger)) == []
    assert data_of(client.get(url)) == made


def test_grants_on_keysets_decide_what_a_key_sees_and_changes(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, owner = keyed
    container = client.app.state.container  # type: ignore[attr-defined]
    on_one = scheduled(client, deployed(client, keyset=1)["id"], soon())
    other_deployment = deployed(client, keyset=2)
    on_two = scheduled(client, other_deployment["id"], soon())
    grants = (
        Grant(PACKAGE_READ),
        Grant(DEPLOYMENT_READ, frozenset({1})),
        Grant(DEPLOYMENT_WRITE, frozenset({1})),
    )
    narrow = as_key(issue_key(container, owner.account_id, grants))

    listed = data_of(client.get(SCHEDULES, headers=narrow))
    seen = client.get(f"{SCHEDULES}/{on_two['id']}", headers=narrow)
    changed = client.put(f"{SCHEDULES}/{on_two['id']}", json={"description": "x"}, headers=narrow)
    made = client.post(
        SCHEDULES, json=schedule_body(other_deployment["id"], soon(3)), headers=narrow
    )
    mine = client.put(f"{SCHEDULES}/{on_one['id']}", json={"description": "x"}, headers=narrow)

    assert [item["id"] for item in listed] == [on_one["id"]]
    assert (seen.status_code, changed.status_code, made.status_code) == (403, 403, 403)
    assert mine.status_code == 200


def test_a_key_without_deployment_grants_is_refused(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, owner = keyed
    container = client.app.state.container  # type: ignore[attr-defined]
    made = scheduled(client, deployed(client)["id"], soon())
    packages_only = as_key(
        issue_key(container, owner.account_id, (Grant(PACKAGE_READ), Grant(PACKAGE_WRITE)))
    )
    url = f"{SCHEDULES}/{made['id']}"

    answers = [
        client.get(SCHEDULES, headers=packages_only),
        client.get(url, headers=packages_only),
        client.put(url, json={"description": "x"}, headers=packages_only),
        client.delete(url, headers=packages_only),
        client.post(SCHEDULES, json=schedule_body(made["packageDeploymentId"], soon(3)),
                    headers=packages_only),
    ]  # fmt: skip

    assert [answer.status_code for answer in answers] == [403] * 5
    assert {answer.json()["errors"][0]["code"] for answer in answers} == {"FAAS-403"}
