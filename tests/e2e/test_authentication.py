"""Who may call what: every endpoint, every way a key can fail, on both stores."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from starlette.testclient import TestClient

from commands.handlers.keys import RevokeApiKey
from commands.keys import DEPLOYMENT_READ, DEPLOYMENT_WRITE, PACKAGE_READ, PACKAGE_WRITE, Grant
from service.app import create_app
from service.settings import Settings
from tests.support.builders import function_body, package_body
from tests.support.commands import context
from tests.support.http import BASE
from tests.support.keys import IssuedKey, issue_key, keyed_client


def endpoints(ids: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, path, permission, body) of every endpoint."""
    package, revision = ids["package"], ids["revision"]
    new_revision = {"packageId": package, "name": "v2", "functions": [function_body()]}
    return [
        ("POST", f"{BASE}/packages", PACKAGE_WRITE, package_body()),
        ("GET", f"{BASE}/packages", PACKAGE_READ, None),
        ("GET", f"{BASE}/packages/{package}", PACKAGE_READ, None),
        ("GET", f"{BASE}/packages/{package}/package-revisions", PACKAGE_READ, None),
        ("GET", f"{BASE}/packages/{package}/events", PACKAGE_READ, None),
        ("GET", f"{BASE}/package-revisions/{revision}", PACKAGE_READ, None),
        ("GET", f"{BASE}/package-revisions/{revision}/functions", PACKAGE_READ, None),
        ("PUT", f"{BASE}/packages/{package}", PACKAGE_WRITE, {"description": "changed"}),
        ("POST", f"{BASE}/package-revisions", PACKAGE_WRITE, new_revision),
        ("PUT", f"{BASE}/package-revisions/{revision}", PACKAGE_WRITE, {"name": "renamed"}),
        ("DELETE", f"{BASE}/package-revisions/{revision}", PACKAGE_WRITE, None),
        ("DELETE", f"{BASE}/packages/{package}", PACKAGE_WRITE, None),
    ]


@pytest.fixture
def world(keyed: tuple[TestClient, IssuedKey]) -> tuple[TestClient, IssuedKey, dict[str, str]]:
    client, key = keyed
    package = client.post(f"{BASE}/packages", json=package_body()).json()["data"]["id"]
    revisions = client.get(f"{BASE}/packages/{package}/package-revisions").json()["data"]
    return client, key, {"package": package, "revision": revisions[0]["id"]}


def call(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> Any:
    return client.request(method, path, json=body, headers=headers)


def without_key(client: TestClient) -> TestClient:
    client.headers.pop("Authorization", None)
    return client


def assert_refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.json()["errors"][0]["code"] == code
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="faas"'


def test_no_key_is_401_faas_1001_everywhere(world: Any) -> None:
    client, _, ids = world
    without_key(client)
    for method, path, _, body in endpoints(ids):
        assert_refused(call(client, method, path, body, {}), 401, "FAAS-1001")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "faaspk_nonsense", "Bearer faaspk_" + "0" * 80],
)
def test_a_malformed_authorization_header_is_401_faas_1002(world: Any, header: str) -> None:
    client, _, ids = world
    without_key(client)
    for method, path, _, body in endpoints(ids):
        assert_refused(
            call(client, method, path, body, {"Authorization": header}), 401, "FAAS-1002"
        )


def test_an_unknown_key_is_401_faas_1002(world: Any) -> None:
    client, key, ids = world
    without_key(client)
    forged = key.plain[:-4] + ("AAAA" if not key.plain.endswith("AAAA") else "BBBB")
    unknown_id = "faaspk_" + uuid4().hex + key.plain[-44:]
    for plain in (forged, unknown_id):
        for method, path, _, body in endpoints(ids):
            headers = {"Authorization": f"Bearer {plain}"}
            assert_refused(call(client, method, path, body, headers), 401, "FAAS-1002")


@pytest.mark.parametrize("second", ["same", "unknown"])
def test_two_authorization_headers_are_400_whichever_comes_first(world: Any, second: str) -> None:
    client, key, ids = world
    without_key(client)
    other = key.plain if second == "same" else "faaspk_" + uuid4().hex + key.plain[-44:]
    for first, then in ((key.plain, other), (other, key.plain)):
        headers = [("Authorization", f"Bearer {first}"), ("Authorization", then)]
        for method, path, _, body in endpoints(ids):
            response = client.request(method, path, json=body, headers=headers)
            assert_refused(response, 400, "FAAS-400")
            assert response.json()["errors"][0]["message"].startswith("Authorization:")


def test_the_raw_key_without_bearer_is_accepted(world: Any) -> None:
    client, key, ids = world
    without_key(client)
    response = client.get(f"{BASE}/packages/{ids['package']}", headers={"Authorization": key.plain})
    assert response.status_code == 200


def test_a_revoked_key_is_401_faas_1002(world: Any) -> None:
    client, key, ids = world
    container = client.app.state.container
    # Checked once, so its digest is not taken again while its record stands.
    assert client.get(f"{BASE}/packages/{ids['package']}").status_code == 200
    container.commands.run(RevokeApiKey(uuid_of(key)), context(key.account_id))
    container.keys.refresh()
    for method, path, _, body in endpoints(ids):
        assert_refused(call(client, method, path, body, {}), 401, "FAAS-1002")


def test_an_expired_key_is_401_faas_1002(world: Any) -> None:
    client, key, ids = world
    container = client.app.state.container
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    expired = issue_key(container, key.account_id, expires_at=past)
    for method, path, _, body in endpoints(ids):
        assert_refused(call(client, method, path, body, expired.headers), 401, "FAAS-1002")


def test_a_key_that_expires_later_works(world: Any) -> None:
    client, key, ids = world
    container = client.app.state.container
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = issue_key(container, key.account_id, expires_at=future)
    response = client.get(f"{BASE}/packages/{ids['package']}", headers=later.headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "grants",
    [
        (),
        (Grant(DEPLOYMENT_READ), Grant(DEPLOYMENT_WRITE)),
        (Grant(DEPLOYMENT_WRITE, frozenset({12345})),),
    ],
    ids=["no grants", "deployment grants", "keyset grant"],
)
def test_a_missing_grant_is_403(world: Any, grants: tuple[Grant, ...]) -> None:
    client, key, ids = world
    container = client.app.state.container
    limited = issue_key(container, key.account_id, grants=grants)
    for method, path, _, body in endpoints(ids):
        assert_refused(call(client, method, path, body, limited.headers), 403, "FAAS-403")


def test_read_and_write_are_granted_separately(world: Any) -> None:
    client, key, ids = world
    container = client.app.state.container
    reader = issue_key(container, key.account_id, grants=(Grant(PACKAGE_READ),))
    writer = issue_key(container, key.account_id, grants=(Grant(PACKAGE_WRITE),))

    for method, path, permission, body in endpoints(ids):
        allowed, refused = (reader, writer) if permission == PACKAGE_READ else (writer, reader)
        assert call(client, method, path, body, allowed.headers).status_code in (200, 201, 204)
        assert_refused(call(client, method, path, body, refused.headers), 403, "FAAS-403")


def test_another_accounts_resources_are_404_like_unknown_ones(world: Any) -> None:
    client, _, ids = world
    stranger = issue_key(client.app.state.container)
    unknown = {"package": str(uuid4()), "revision": str(uuid4())}
    for (method, path, _, body), (_, unknown_path, _, _) in zip(
        endpoints(ids), endpoints(unknown), strict=True
    ):
        if path.endswith(("/packages", "/package-revisions")):
            continue
        theirs = call(client, method, path, body, stranger.headers)
        missing = call(client, method, unknown_path, body, stranger.headers)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["errors"] == missing.json()["errors"]


def test_the_key_id_is_the_actor_of_every_event(world: Any) -> None:
    client, key, ids = world
    app = client.app.state.container.store
    events = list(app.events.get(UUID(ids["package"])))
    assert {event.actor for event in events} == {key.key_id}
    assert {event.account_id for event in events} == {key.account_id}


def test_a_revocation_reaches_another_app_instance_within_a_second(store_url: str) -> None:
    settings = Settings(database_url=store_url)
    with keyed_client(settings) as (first, key), TestClient(create_app(settings)) as second:
        second.headers.update(key.headers)
        assert second.get(f"{BASE}/packages").status_code == 200
        revoke = RevokeApiKey(uuid_of(key))
        first.app.state.container.commands.run(  # type: ignore[attr-defined]
            revoke, context(key.account_id)
        )
        revoked_at = time.monotonic()
        while second.get(f"{BASE}/packages").status_code == 200:
            assert time.monotonic() - revoked_at < 1.0, "revocation not seen within a second"
            time.sleep(0.02)


def uuid_of(key: IssuedKey) -> UUID:
    return UUID(key.key_id)
