"""Intersected deployments over HTTP, on both stores: which deployments each channel finds,
the index following deploys and deletions, rebuilds, validation and keyset permissions."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from commands.keys import DEPLOYMENT_READ, PACKAGE_READ, PACKAGE_WRITE, Grant
from projections.rebuild import rebuild, verify
from tests.support.builders import function_body
from tests.support.http import BASE, create, data_of
from tests.support.keys import IssuedKey, issue_key

KEYSET = 77
INTERSECTED = f"{BASE}/package-deployments/intersected"


def channel_function(channel: str, kind: str = "BEFORE_PUBLISH") -> dict[str, Any]:
    config: dict[str, Any] = {"inputChannel": channel}
    if kind == "SUBSCRIBE_ON_INTERVAL":
        config["intervalSeconds"] = 10
    return function_body(type=kind, config=config)


def deployed(client: TestClient, *functions: dict[str, Any], keyset: int = KEYSET) -> str:
    """A new package with these functions, its revision deployed on ``keyset``."""
    package = create(client, functions=list(functions) or [function_body()])
    revision = data_of(client.get(f"{BASE}/packages/{package['id']}/package-revisions"))[0]
    body = {"packageRevisionId": revision["id"], "keysetId": keyset}
    deployment: str = data_of(client.post(f"{BASE}/package-deployments", json=body), 201)["id"]
    return deployment


def found(
    client: TestClient, *channels: str, keyset: int = KEYSET, **extra: str
) -> list[tuple[str, set[str]]]:
    params: list[tuple[str, str | int]] = [("keyset_id", keyset)]
    params += [("channel", channel) for channel in channels]
    params += list(extra.items())
    items: list[Any] = data_of(client.get(INTERSECTED, params=params))
    # Deployments come oldest first; some of a test's are made within one millisecond.
    return [(item["channel"], {d["id"] for d in item["packageDeployments"]}) for item in items]


def test_each_channel_finds_the_deployments_whose_functions_intersect_it(
    client: TestClient,
) -> None:
    rooms = deployed(client, channel_function("chat.*"), function_body())
    room1 = deployed(client, channel_function("chat.room1", "AFTER_PUBLISH"))
    deep = deployed(client, channel_function("chat.a.*", "SUBSCRIBE_ON_INTERVAL"))
    news = deployed(client, channel_function("news"))
    deployed(client, channel_function("chat.*"), keyset=KEYSET + 1)
    deployed(client, function_body())

    assert found(client, "chat.*", "chat.room1", "chat", "chats.x", "chat.a.b", "news") == [
        ("chat.*", {rooms, room1, deep}),
        ("chat.room1", {rooms, room1}),
        ("chat", set()),
        ("chats.x", set()),
        ("chat.a.b", {rooms, deep}),
        ("news", {news}),
    ]
    assert found(client, "chat.*", function_type="AFTER_PUBLISH") == [("chat.*", {room1})]


def test_running_and_stopped_deployments_are_listed_with_their_state(client: TestClient) -> None:
    stopped = deployed(client, channel_function("alerts.*"))
    running = deployed(client, channel_function("alerts.fire"))
    client.post(f"{BASE}/package-deployments/{running}/function-deployments")

    items = data_of(client.get(INTERSECTED, params={"keyset_id": KEYSET, "channel": "alerts.*"}))

    [item] = items
    states = {d["id"]: d["state"] for d in item["packageDeployments"]}
    assert states == {stopped: "STOPPED", running: "RUNNING"}
    read = data_of(client.get(f"{BASE}/package-deployments/{running}"))
    assert read in item["packageDeployments"]


def test_the_index_follows_deletions(client: TestClient) -> None:
    first = deployed(client, channel_function("orders.*"))
    second = deployed(client, channel_function("orders.new"))
    third = deployed(client, channel_function("orders.paid"))
    assert found(client, "orders.*") == [("orders.*", {first, second, third})]

    client.delete(f"{BASE}/package-deployments/{first}")
    package = data_of(client.get(f"{BASE}/package-deployments/{second}"))["packageId"]
    client.delete(f"{BASE}/packages/{package}")
    revision = data_of(client.get(f"{BASE}/package-deployments/{third}"))["packageRevisionId"]
    owner = data_of(client.get(f"{BASE}/package-deployments/{third}"))["packageId"]
    body = {"packageId": owner, "functions": [function_body()]}
    data_of(client.post(f"{BASE}/package-revisions", json=body), 201)
    client.delete(f"{BASE}/package-revisions/{revision}")

    assert found(client, "orders.*") == [("orders.*", set())]


def test_a_rebuild_makes_the_same_index(client: TestClient) -> None:
    kept = deployed(client, channel_function("tick.*"))
    gone = deployed(client, channel_function("tick.tock"))
    client.delete(f"{BASE}/package-deployments/{gone}")
    container = client.app.state.container  # type: ignore[attr-defined]

    assert verify(container.projector) == []
    rebuild(container.projector)
    assert found(client, "tick.tock") == [("tick.tock", {kept})]


def test_another_accounts_deployments_are_not_found(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, _ = keyed
    deployed(client, channel_function("secret.*"))
    stranger = issue_key(client.app.state.container).headers  # type: ignore[attr-defined]

    response = client.get(
        INTERSECTED, params={"keyset_id": KEYSET, "channel": "secret.x"}, headers=stranger
    )

    assert data_of(response) == [{"channel": "secret.x", "packageDeployments": []}]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("channel=a", "keyset_id"),
        ("keyset_id=0&channel=a", "keyset_id"),
        ("keyset_id=x&channel=a", "keyset_id"),
        ("keyset_id=1&keyset_id=2&channel=a", "keyset_id"),
        ("keyset_id=1", "channel"),
        ("keyset_id=1&" + "&".join(["channel=a"] * 21), "channel"),
        ("keyset_id=1&channel=a&channel=a%20b", "channel[1]"),
        ("keyset_id=1&channel=a.*.*", "channel[0]"),
        ("keyset_id=1&channel=" + "a" * 93, "channel[0]"),
        ("keyset_id=1&channel=a&function_type=ON_SOMETHING", "function_type"),
    ],
)
def test_a_bad_parameter_is_400_naming_it(client: TestClient, query: str, name: str) -> None:
    response = client.get(f"{INTERSECTED}?{query}")

    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert (error["code"], error["message"].split(":")[0]) == ("FAAS-400", name)


def test_it_needs_deployment_read_on_that_keyset(keyed: tuple[TestClient, IssuedKey]) -> None:
    client, key = keyed
    container = client.app.state.container  # type: ignore[attr-defined]
    grants = (Grant(PACKAGE_READ), Grant(PACKAGE_WRITE), Grant(DEPLOYMENT_READ, frozenset({1})))
    elsewhere = issue_key(container, key.account_id, grants)

    refused = client.get(
        INTERSECTED, params={"keyset_id": KEYSET, "channel": "a"}, headers=elsewhere.headers
    )
    allowed = client.get(
        INTERSECTED, params={"keyset_id": 1, "channel": "a"}, headers=elsewhere.headers
    )

    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (403, "FAAS-403")
    assert allowed.status_code == 200
