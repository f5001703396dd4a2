"""Rolling updates over HTTP, on both stores: the handover, its preconditions (409 FAAS-1034
naming each that fails), its counters, its permissions and another account's ids."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE, PACKAGE_READ, PACKAGE_WRITE, Grant
from service.settings import Settings
from tests.e2e.test_metrics import grown, scrape
from tests.support.builders import function_body
from tests.support.http import BASE, create, data_of
from tests.support.keys import IssuedKey, issue_key, keyed_client


def revision_of(client: TestClient, package_id: str) -> str:
    revision: str = data_of(client.get(f"{BASE}/packages/{package_id}/package-revisions"))[0]["id"]
    return revision


def new_revision(client: TestClient, package_id: str) -> str:
    body = {"packageId": package_id, "functions": [function_body()]}
    revision: str = data_of(client.post(f"{BASE}/package-revisions", json=body), 201)["id"]
    return revision


def deploy(client: TestClient, revision: str, keyset: int = 5) -> str:
    body = {"packageRevisionId": revision, "keysetId": keyset}
    deployment: str = data_of(client.post(f"{BASE}/package-deployments", json=body), 201)["id"]
    return deployment


def start(client: TestClient, deployment: str) -> None:
    data_of(client.post(f"{BASE}/package-deployments/{deployment}/function-deployments"))


def hand_over(client: TestClient, old: str, new: str, **headers: str) -> Any:
    return client.put(
        f"{BASE}/package-deployments/{old}/function-deployments",
        json={"newPackageDeploymentId": new},
        headers=headers,
    )


def two_revisions_on_a_keyset(client: TestClient) -> tuple[str, str, str, str, str]:
    """A package, its two revisions, and their deployments on keyset 5 (the first running)."""
    package = create(client)["id"]
    first, second = revision_of(client, package), new_revision(client, package)
    old, new = deploy(client, first), deploy(client, second)
    start(client, old)
    return package, first, second, old, new


def state(client: TestClient, deployment: str) -> str:
    found: str = data_of(client.get(f"{BASE}/package-deployments/{deployment}"))["state"]
    return found


def test_a_running_deployment_hands_over_to_a_stopped_one(client: TestClient) -> None:
    package, first, second, old, new = two_revisions_on_a_keyset(client)
    limit = data_of(client.get(f"{BASE}/limits/package-deployments-running"))

    response = hand_over(client, old, new)

    answered = data_of(response)
    assert answered == data_of(client.get(f"{BASE}/package-deployments/{new}"))
    assert (
        response.headers["etag"] == client.get(f"{BASE}/package-deployments/{new}").headers["etag"]
    )
    assert {f["state"] for f in answered["functionDeployments"]} == {"RUNNING"}
    assert (state(client, old), state(client, new)) == ("STOPPED", "RUNNING")
    counted = data_of(client.get(f"{BASE}/packages/{package}"))
    assert (counted["revisionsRunning"], counted["packageDeploymentsRunning"]) == (1, 1)
    for revision, running in ((first, 0), (second, 1)):
        read = data_of(client.get(f"{BASE}/package-revisions/{revision}"))
        assert read["packageDeploymentsRunning"] == running
    assert data_of(client.get(f"{BASE}/limits/package-deployments-running")) == limit
    events = data_of(client.get(f"{BASE}/packages/{package}/events"))
    assert events[0]["type"] == "DeploymentHandedOver"
    assert events[0]["payload"] == {"deployment_id": old, "new_deployment_id": new}


def test_metrics_count_the_handover_by_route_and_topic(client: TestClient) -> None:
    _, _, _, old, new = two_revisions_on_a_keyset(client)
    before = scrape(client)

    hand_over(client, old, new)

    by = grown(before, scrape(client))
    route = "/v2/faas/package-deployments/{deployment_id}/function-deployments"
    assert by("faas_http_requests_total", method="PUT", route=route, status="200") == 1
    assert by("faas_events_appended_total", topic="faas.DeploymentHandedOver") == 1


def test_a_handover_goes_back_the_other_way(client: TestClient) -> None:
    package, _, _, old, new = two_revisions_on_a_keyset(client)

    assert hand_over(client, old, new).status_code == 200
    assert hand_over(client, new, old).status_code == 200

    assert (state(client, old), state(client, new)) == ("RUNNING", "STOPPED")
    counted = data_of(client.get(f"{BASE}/packages/{package}"))
    assert (counted["revisionsRunning"], counted["packageDeploymentsRunning"]) == (1, 1)


def test_the_running_limit_is_not_consulted(store_url: str) -> None:
    settings = Settings(database_url=store_url, max_running_deployments_per_account=1)
    with keyed_client(settings) as (client, _):
        _, _, _, old, new = two_revisions_on_a_keyset(client)

        assert hand_over(client, old, new).status_code == 200
        limit = data_of(client.get(f"{BASE}/limits/package-deployments-running"))
        assert (limit["maxValue"], limit["currentValue"]) == (1, 1)


def refusal(response: Any) -> str:
    assert response.status_code == 409, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "FAAS-1034"
    message: str = error["message"]
    return message


def test_each_failed_precondition_is_named(client: TestClient) -> None:
    package, first, _, old, new = two_revisions_on_a_keyset(client)
    elsewhere = deploy(client, first, keyset=6)
    other_package = create(client)["id"]
    foreign = deploy(client, revision_of(client, other_package))

    assert "is not STOPPED" in refusal(hand_over(client, old, old))
    assert "is not RUNNING" in refusal(hand_over(client, new, old))
    both = refusal(hand_over(client, new, new))
    assert "is not RUNNING" in both
    assert "is not STOPPED" not in both
    assert "keyset 6, not on keyset 5" in refusal(hand_over(client, old, elsewhere))
    assert "of another package" in refusal(hand_over(client, old, foreign))
    assert (state(client, old), state(client, new), state(client, elsewhere)) == (
        "RUNNING",
        "STOPPED",
        "STOPPED",
    )
    events = data_of(client.get(f"{BASE}/packages/{package}/events?size=100"))
    assert "DeploymentHandedOver" not in {event["type"] for event in events}


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "$.newPackageDeploymentId"),
        ({"newPackageDeploymentId": "not-an-id"}, "$.newPackageDeploymentId"),
        ({"newPackageDeploymentId": "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10", "x": 1}, "$.x"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(
    client: TestClient, body: dict[str, Any], path: str
) -> None:
    _, _, _, old, _ = two_revisions_on_a_keyset(client)

    response = client.put(f"{BASE}/package-deployments/{old}/function-deployments", json=body)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith(path)


def test_another_accounts_deployments_and_unknown_ones_are_404(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, _ = keyed
    _, _, _, old, new = two_revisions_on_a_keyset(client)
    stranger = issue_key(client.app.state.container)  # type: ignore[attr-defined]
    with keyed_client(_settings_of(client), account_id=stranger.account_id) as (theirs, _):
        _, _, _, their_old, their_new = two_revisions_on_a_keyset(theirs)

    answers = [
        hand_over(client, old, their_new),
        hand_over(client, their_old, new),
        hand_over(client, old, "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10"),
        hand_over(client, "0b6f6f0e-3c8e-4a36-9a4e-4f8d1c1f2a10", new),
    ]

    assert [(a.status_code, a.json()["errors"][0]["code"]) for a in answers] == [
        (404, "FAAS-404")
    ] * 4
    assert (state(client, old), state(client, new)) == ("RUNNING", "STOPPED")


def _settings_of(client: TestClient) -> Settings:
    settings: Settings = client.app.state.container.settings  # type: ignore[attr-defined]
    return settings


def test_a_handover_needs_write_on_the_deployments_keyset(
    keyed: tuple[TestClient, IssuedKey],
) -> None:
    client, key = keyed
    _, _, _, old, new = two_revisions_on_a_keyset(client)
    grants = (
        Grant(PACKAGE_READ),
        Grant(PACKAGE_WRITE),
        Grant(DEPLOYMENT_READ),
        Grant(DEPLOYMENT_WRITE, frozenset({6})),
    )
    other_keyset = issue_key(client.app.state.container, key.account_id, grants)  # type: ignore[attr-defined]

    response = hand_over(client, old, new, **other_keyset.headers)

    assert (response.status_code, response.json()["errors"][0]["code"]) == (403, "FAAS-403")
    assert (state(client, old), state(client, new)) == ("RUNNING", "STOPPED")
