"""Idempotency-Key on POST: one result per key, the first answer again on a repeat."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from commands.errors import IdempotencyKeyInProgressError, PackageNameTakenError
from commands.idempotency import AnsweredBefore, Idempotency, RecordedAnswer
from service.bootstrap import Container
from service.settings import Settings
from tests.support.builders import package_body, unique_account
from tests.support.commands import context, create_package
from tests.support.concurrency import race
from tests.support.http import BASE
from tests.support.keys import IssuedKey, keyed_client

PACKAGES = f"{BASE}/packages"


def data_bytes(response: Any) -> bytes:
    """The raw text of ``data`` in the envelope, as sent."""
    body: bytes = response.content
    start = body.index(b'"data":') + len(b'"data":')
    end = body.rindex(b',"meta":')
    return body[start:end]


def post(client: TestClient, url: str, body: Any, key: str) -> Any:
    return client.post(url, json=body, headers={"Idempotency-Key": key})


def package_count(client: TestClient) -> int:
    total: int = client.get(PACKAGES).json()["meta"]["paging"]["totalElements"]
    return total


def test_a_repeat_answers_the_first_response_and_writes_nothing(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = keyed
    body = package_body()

    recorder = client.app.state.container.store.recorder  # type: ignore[attr-defined]

    first = post(client, PACKAGES, body, "create-1")
    head_after_first = recorder.max_notification_id()
    repeat = post(client, PACKAGES, body, "create-1")

    assert first.status_code == repeat.status_code == 201
    assert data_bytes(repeat) == data_bytes(first)
    assert repeat.headers["Location"] == first.headers["Location"]
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert repeat.json()["meta"]["correlationId"] != first.json()["meta"]["correlationId"]
    assert package_count(client) == 1
    assert recorder.max_notification_id() == head_after_first


def test_the_same_key_with_another_body_is_422_faas_1031(client: TestClient) -> None:
    first = post(client, PACKAGES, package_body(), "k")
    other = post(client, PACKAGES, package_body(), "k")

    assert first.status_code == 201
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["code"] == "FAAS-1031"
    assert package_count(client) == 1


def test_a_key_is_scoped_to_its_route(client: TestClient) -> None:
    package = post(client, PACKAGES, package_body(), "shared").json()["data"]
    revision_body = {
        "packageId": package["id"],
        "name": "second",
        "functions": package_body()["functions"],
    }

    revision = post(client, f"{BASE}/package-revisions", revision_body, "shared")
    again = post(client, f"{BASE}/package-revisions", revision_body, "shared")

    assert revision.status_code == again.status_code == 201
    assert data_bytes(again) == data_bytes(revision)
    revisions = client.get(f"{PACKAGES}/{package['id']}/package-revisions").json()["data"]
    assert len(revisions) == 2


def test_a_key_is_scoped_to_its_account(store_url: str) -> None:
    settings = Settings(database_url=store_url)
    body = package_body()
    with keyed_client(settings) as (first, _), keyed_client(settings) as (second, _):
        one = post(first, PACKAGES, body, "same-key")
        two = post(second, PACKAGES, body, "same-key")

    assert one.status_code == two.status_code == 201
    assert one.json()["data"]["id"] != two.json()["data"]["id"]


def test_deployments_created_and_started_with_keys_happen_once(client: TestClient) -> None:
    package = post(client, PACKAGES, package_body(), "p").json()["data"]
    revisions = client.get(f"{PACKAGES}/{package['id']}/package-revisions").json()["data"]
    deployment_body = {"packageRevisionId": revisions[0]["id"], "keysetId": 7}

    created = [post(client, f"{BASE}/package-deployments", deployment_body, "d") for _ in "ab"]
    deployment_id = created[0].json()["data"]["id"]
    start_url = f"{BASE}/package-deployments/{deployment_id}/function-deployments"
    started = [post(client, start_url, None, "s") for _ in "ab"]

    assert [r.status_code for r in created] == [201, 201]
    assert data_bytes(created[0]) == data_bytes(created[1])
    assert [r.status_code for r in started] == [200, 200]
    assert data_bytes(started[0]) == data_bytes(started[1])
    assert started[0].headers["ETag"] == started[1].headers["ETag"]
    events = client.get(f"{PACKAGES}/{package['id']}/events").json()["data"]
    assert [e["type"] for e in events].count("DeploymentStarted") == 1


def test_a_key_for_another_deployment_is_another_request(client: TestClient) -> None:
    package = post(client, PACKAGES, package_body(), "p").json()["data"]
    revisions = client.get(f"{PACKAGES}/{package['id']}/package-revisions").json()["data"]
    deployments = [
        client.post(
            f"{BASE}/package-deployments",
            json={"packageRevisionId": revisions[0]["id"], "keysetId": keyset},
        ).json()["data"]["id"]
        for keyset in (1, 2)
    ]
    urls = [f"{BASE}/package-deployments/{d}/function-deployments" for d in deployments]

    assert post(client, urls[0], None, "start").status_code == 200
    other = post(client, urls[1], None, "start")

    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "FAAS-1031"


def test_a_refused_request_records_no_key(client: TestClient) -> None:
    taken = post(client, PACKAGES, package_body(), "first").json()["data"]
    body = package_body(name=taken["name"])

    refused = post(client, PACKAGES, body, "second")
    client.delete(f"{PACKAGES}/{taken['id']}")
    retried = post(client, PACKAGES, body, "second")

    assert refused.status_code == 409
    assert retried.status_code == 201, retried.text


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_400_naming_the_header(client: TestClient, key: str) -> None:
    headers: Any = {"Idempotency-Key": key.encode("utf-8")}
    response = client.post(PACKAGES, json=package_body(), headers=headers)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"][0]["message"]
    assert package_count(client) == 0


def test_two_keys_are_400_naming_the_header(client: TestClient) -> None:
    headers = [("Idempotency-Key", "one"), ("Idempotency-Key", "two")]
    response = client.post(PACKAGES, json=package_body(), headers=headers)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Idempotency-Key:")
    assert package_count(client) == 0


def once(key: str, body: bytes = b"{}") -> Idempotency:
    return Idempotency(
        key,
        "POST /v2/faas/packages",
        body.hex(),
        lambda package: RecordedAnswer(201, json.dumps({"id": str(package.id)}), {}),
    )


def test_concurrent_requests_with_one_key_have_exactly_one_result(
    instances: list[Container],
) -> None:
    caller = context(unique_account())
    command = create_package()
    turns = iter(range(1000))

    def attempt() -> object:
        commands = instances[next(turns) % len(instances)].commands
        try:
            return commands.run(command, caller, once("race"))
        except AnsweredBefore as repeat:
            return repeat.response

    results, errors = race(12, attempt)

    created = [r for r in results if not isinstance(r, RecordedAnswer)]
    assert len(created) == 1, results
    first_data = json.dumps({"id": str(created[0].value.id)})  # type: ignore[attr-defined]
    assert all(r.data == first_data for r in results if isinstance(r, RecordedAnswer))
    # A repeat decided with the first in one transaction is told to come back later.
    assert all(isinstance(e, IdempotencyKeyInProgressError) for e in errors), errors
    repeat = results + errors
    assert len(repeat) == 12


def test_a_key_is_kept_for_24_hours(container: Container) -> None:
    caller = context(unique_account())
    command = create_package()
    long_ago = caller.__class__(
        account_id=caller.account_id,
        actor=caller.actor,
        correlation_id=caller.correlation_id,
        requested_at=caller.requested_at - timedelta(hours=24, seconds=1),
    )
    first = container.commands.run(command, long_ago, once("daily"))

    # Past 24 hours the key is new again: the command runs, and meets its own package.
    with pytest.raises(PackageNameTakenError):
        container.commands.run(command, caller, once("daily"))
    assert isinstance(first.value.id, UUID)
