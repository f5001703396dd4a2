"""Who may reach a keyset's KV entries: the subscribe key must be one of the caller's account
(unknown and another account's get the same answer, after the same work), and the key must
hold the KV permission on that keyset."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from starlette.testclient import TestClient

from commands.handlers.keysets import RemoveKeyset
from commands.keys import KV_READ, KV_WRITE, PACKAGE_READ, Grant
from service import keysets as edge
from service.bootstrap import Container
from service.examples import EXAMPLES
from service.openapi import documented_path
from service.routes.kv import ENDPOINTS
from service.settings import Settings
from tests.support.commands import context
from tests.support.keys import IssuedKey, issue_key, keyed_client
from tests.support.kv import RegisteredKeyset, register_keyset

OPERATIONS = [
    (e.method, documented_path(e.path).replace("{key}", "some/key"), e.request) for e in ENDPOINTS
]


def send(client: TestClient, operation: tuple[str, str, Any], params: dict[str, str]) -> Any:
    method, path, request = operation
    body = EXAMPLES[request] if request is not None else None
    return client.request(method, path, params=params, json=body)


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


@pytest.fixture
def theirs(keyed: tuple[TestClient, IssuedKey]) -> RegisteredKeyset:
    """A keyset of another account, with entries of every kind."""
    client = keyed[0]
    other = issue_key(container_of(client))
    keyset = register_keyset(container_of(client), other.account_id)
    headers = other.headers
    for method, path, request in OPERATIONS:
        if method == "PUT":
            client.put(path, params=keyset.query, json=EXAMPLES[request], headers=headers)
    return keyset


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_another_accounts_subscribe_key_answers_as_an_unknown_one(
    client: TestClient, theirs: RegisteredKeyset, operation: tuple[str, str, Any]
) -> None:
    foreign = send(client, operation, theirs.query)
    unknown = send(client, operation, {"subkey": "sub-c-nobody-has-this"})
    missing = send(client, operation, {})

    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["errors"] == unknown.json()["errors"]
    assert foreign.json()["errors"] == [{"code": "FAAS-1022", "message": "Subscribe key not found"}]
    assert missing.json()["errors"][0]["code"] == "FAAS-1020"


def test_an_unknown_and_another_accounts_subscribe_key_do_the_same_work(
    client: TestClient, theirs: RegisteredKeyset, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = container_of(client).keysets
    refreshes: list[str] = []
    refresh = directory.refresh

    def counted_refresh() -> None:
        refreshes.append("refresh")
        refresh()

    monkeypatch.setattr(edge, "UNKNOWN_SUBKEY_REFRESH_SECONDS", 0.0)
    monkeypatch.setattr(directory, "refresh", counted_refresh)
    for subkey in (theirs.subscribe_key, "sub-c-nobody-has-this"):
        refreshes.clear()
        answer = client.get(OPERATIONS[0][1], params={"subkey": subkey})
        assert answer.status_code == 400
        assert refreshes == ["refresh"], subkey


@pytest.fixture
def keyset(keyed: tuple[TestClient, IssuedKey]) -> RegisteredKeyset:
    client, key = keyed
    return register_keyset(container_of(client), key.account_id)


@contextmanager
def client_with(settings: Settings, account_id: int, *grants: Grant) -> Iterator[TestClient]:
    with keyed_client(settings, grants, account_id) as (client, _):
        yield client


def test_the_key_must_hold_the_kv_permission_on_the_keyset(
    settings: Settings, keyed: tuple[TestClient, IssuedKey], keyset: RegisteredKeyset
) -> None:
    account = keyed[1].account_id
    counter, query = "/v2/faas/kv/counters/hits", keyset.query
    elsewhere = frozenset({keyset.keyset_id + 1})

    with client_with(settings, account, Grant(PACKAGE_READ)) as no_kv:
        assert no_kv.get(counter, params=query).json()["errors"][0]["code"] == "FAAS-403"
        assert no_kv.get(counter, params={}).status_code == 403
    with client_with(settings, account, Grant(KV_READ)) as reader:
        assert reader.get(counter, params=query).json()["errors"][0]["code"] == "FAAS-1021"
        assert reader.post(f"{counter}/increment", params=query).status_code == 403
    with client_with(settings, account, Grant(KV_WRITE, elsewhere), Grant(KV_READ)) as other:
        assert other.post(f"{counter}/increment", params=query).status_code == 403
    scoped = frozenset({keyset.keyset_id})
    with client_with(settings, account, Grant(KV_WRITE, scoped), Grant(KV_READ, scoped)) as ok:
        assert ok.post(f"{counter}/increment", params=query).json()["data"]["value"] == 1
        assert ok.get(counter, params=query).json()["data"]["value"] == 1


def test_a_removed_keysets_entries_are_gone_with_its_subscribe_key(
    keyed: tuple[TestClient, IssuedKey], keyset: RegisteredKeyset
) -> None:
    client, key = keyed
    assert client.post(f"{OPERATIONS[-2][1]}", params=keyset.query).status_code == 200
    container = container_of(client)

    container.commands.run(RemoveKeyset(keyset.keyset_id), context(key.account_id))
    container.keysets.refresh()

    answer = client.get("/v2/faas/kv/counters", params=keyset.query)
    assert answer.json()["errors"][0]["code"] == "FAAS-1022"
